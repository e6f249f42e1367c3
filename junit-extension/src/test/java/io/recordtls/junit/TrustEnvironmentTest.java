package io.recordtls.junit;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.recordtls.replayer.server.ReplayCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static org.assertj.core.api.Assertions.assertThat;

/** What a client started with the variables trusts: the extra CA, and still the system's. */
class TrustEnvironmentTest {
    @TempDir
    static Path dir;
    private static ReplayCertificates certs;
    private static WireMockServer server;
    private static Map<String, String> env;

    @BeforeAll
    static void start() throws IOException {
        certs = ReplayCertificates.create(List.of("localhost"), dir.resolve("certs"));
        server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").httpDisabled(true).httpsPort(0)
                .keystorePath(certs.keyStore().toString()).keystoreType("PKCS12")
                .keystorePassword(ReplayCertificates.PASSWORD).keyManagerPassword(ReplayCertificates.PASSWORD));
        server.start();
        server.stubFor(get("/hello").willReturn(ok("trusted")));
        env = TrustEnvironment.trusting(dir.resolve("bundle.pem"), List.of(certs.caPem()));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static Run run(String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    private record Run(int exit, String output) {}

    @Test
    void curlAndPythonTrustTheExtraCa() throws Exception {
        String url = "https://localhost:" + server.httpsPort() + "/hello";
        assertThat(run("curl", "-sS", url)).isEqualTo(new Run(0, "trusted"));
        assertThat(run("python3", "-c", "import urllib.request; print(urllib.request.urlopen('" + url + "').read().decode(), end='')"))
                .isEqualTo(new Run(0, "trusted"));
    }

    @Test
    void theSystemsCasStayTrustedThroughTheVariables() throws Exception {
        Path systemCa;
        try (DirectoryStream<Path> hashed = Files.newDirectoryStream(Path.of("/etc/ssl/certs"), "*.0")) {
            systemCa = hashed.iterator().next();
        }
        // openssl verify reads SSL_CERT_FILE and the hashed directory, as every OpenSSL client does
        assertThat(run("openssl", "verify", systemCa.toString()).output()).endsWith(": OK\n");
        if (TrustEnvironment.systemCasFoundByHash()) {
            // given the extra CA alone, curl looks the system's up in the hashed directory
            assertThat(run("curl", "-sv", "-o", "/dev/null", "https://localhost:" + server.httpsPort() + "/hello").output())
                    .contains("CAfile: " + env.get("CURL_CA_BUNDLE")).contains("CApath: /etc/ssl/certs");
        }
        assertThat(Files.readString(Path.of(env.get("REQUESTS_CA_BUNDLE"))))
                .contains(Files.readString(certs.caPem()).strip())
                .contains(Files.readString(systemCa).strip());
    }

    @Test
    void whereCurlFindsTheSystemsCasByHashItsFileHoldsTheExtraCaAlone() throws IOException {
        String ca = Files.readString(certs.caPem());
        Path bundle = dir.resolve("bundle.pem");
        assertThat(env.get("SSL_CERT_FILE")).as("some readers read nothing else").isEqualTo(bundle.toString());
        assertThat(env.get("REQUESTS_CA_BUNDLE")).isEqualTo(bundle.toString());
        if (TrustEnvironment.systemCasFoundByHash()) {
            assertThat(Files.readString(Path.of(env.get("CURL_CA_BUNDLE")))).isEqualTo(ca);
            assertThat(Files.getPosixFilePermissions(Path.of(env.get("CURL_CA_BUNDLE"))))
                    .isEqualTo(Files.getPosixFilePermissions(bundle));
            assertThat(env.get("NODE_EXTRA_CA_CERTS")).isEqualTo(env.get("CURL_CA_BUNDLE"));
        } else {
            assertThat(env.values()).containsOnly(dir.resolve("bundle.pem").toString());
        }
    }
}
