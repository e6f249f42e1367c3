package io.recordtls.replayer;

import com.sun.net.httpserver.HttpServer;
import io.recordtls.replayer.server.ReplayCertificates;
import io.recordtls.replayer.server.ReplayOptions;
import io.recordtls.replayer.server.ReplayServer;
import io.recordtls.replayer.stubs.StubSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** The replay server's own set-up: its keys stay in memory, and WireMock's features it defers still work. */
class ReplayServerTest {
    @TempDir
    Path tmp;

    @Test
    void theServerKeyIsNeverWrittenUnlessAFileIsAskedFor() throws Exception {
        Path caDir = tmp.resolve("ca");
        try (ReplayServer replay = ReplayServer.start(new StubSet(Map.of(), Map.of(), List.of(), List.of()),
                ReplayOptions.defaults().withPorts(-1, 0).withCertificateDir(caDir).withServerNames(Set.of("api.example.com")), null)) {
            assertThat(replay.httpsPort()).isPositive();
            try (var files = Files.list(caDir)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactly("recordtls-replay-ca.pem");
            }
        }
        ReplayCertificates certs = ReplayCertificates.create(List.of("api.example.com"), tmp.resolve("other"));
        Path file = certs.keyStore();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        KeyStore read = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            read.load(in, ReplayCertificates.PASSWORD.toCharArray());
        }
        assertThat(read.getKey(ReplayCertificates.ALIAS, ReplayCertificates.PASSWORD.toCharArray())).isInstanceOf(PrivateKey.class)
                .isEqualTo(certs.keys().getKey(ReplayCertificates.ALIAS, ReplayCertificates.PASSWORD.toCharArray()));
        assertThat(certs.keyStore()).as("written once").isEqualTo(file);
    }

    @Test
    void anOverrideCanStillProxyToALiveServer() throws Exception {
        HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/live", x -> {
            byte[] body = ("live answer to " + x.getRequestURI()).getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        upstream.start();
        try (ReplayServer replay = ReplayServer.start(new StubSet(Map.of(), Map.of(), List.of(), List.of()),
                ReplayOptions.defaults().withPorts(0, -1).withCertificateDir(tmp.resolve("ca")), null)) {
            replay.override(get(urlEqualTo("/live/orders?id=7"))
                    .willReturn(aResponse().proxiedFrom("http://127.0.0.1:" + upstream.getAddress().getPort())));
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(replay.httpUrl() + "/live/orders?id=7")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("live answer to /live/orders?id=7");
        } finally {
            upstream.stop(0);
        }
    }

    /**
     * A server that runs until stopped keeps no journal of its requests (WireMock's has no bound:
     * 1.3 GB after 120k requests), yet still knows which stubs were used, an override standing in
     * for the recorded stubs it answered for; of the requests no stub matched it counts all and
     * keeps the first.
     */
    @Test
    void withoutAJournalTheUnusedStubsAreStillKnown() throws Exception {
        Map<String, com.github.tomakehurst.wiremock.stubbing.StubMapping> stubs = new java.util.TreeMap<>();
        for (String path : List.of("/a", "/b", "/c")) {
            stubs.put(path.substring(1) + ".json", get(urlEqualTo(path)).willReturn(aResponse().withBody("recorded " + path)).build());
        }
        try (ReplayServer replay = ReplayServer.start(new StubSet(stubs, Map.of(), List.of(), List.of()),
                ReplayOptions.defaults().withPorts(0, -1).withCertificateDir(tmp.resolve("ca")).withServedKept(false), null)) {
            replay.override(get(urlEqualTo("/b")).willReturn(aResponse().withBody("override")));
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 50; i++) {
                for (String path : List.of("/a", "/b")) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(replay.httpUrl() + path)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.body()).isEqualTo(path.equals("/a") ? "recorded /a" : "override");
                }
            }
            for (int i = 0; i < 150; i++) {
                assertThat(http.send(HttpRequest.newBuilder(URI.create(replay.httpUrl() + "/never-recorded/" + i)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(404);
            }
            assertThat(replay.served()).as("no journal").isEmpty();
            assertThat(replay.unusedStubs()).extracting(m -> m.getRequest().getUrl()).containsExactly("/c");
            assertThat(replay.unmatchedCount()).isEqualTo(150);
            assertThat(replay.unmatched()).as("the first kept, not all").hasSize(100)
                    .first().satisfies(u -> assertThat(u.toString()).contains("/never-recorded/0"));
        }
    }
}
