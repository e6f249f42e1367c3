package io.recordtls.samples;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.recordtls.junit.TrustEnvironment;
import io.recordtls.replayer.server.ReplayCertificates;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Plays a third-party HTTPS API on loopback, with its own CA, on a fixed port as a real API has
 * a fixed address. Tests start it only while recording: replays run with no upstream at all.
 */
final class FakeApi implements AutoCloseable {
    private final WireMockServer server;
    private final Map<String, String> trust;

    private FakeApi(WireMockServer server, Map<String, String> trust) {
        this.server = server;
        this.trust = trust;
    }

    static FakeApi start(int port, MappingBuilder... stubs) throws IOException {
        Path dir = Files.createTempDirectory("fake-api");
        ReplayCertificates certs = ReplayCertificates.create(List.of("localhost"), dir);
        WireMockServer server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").httpDisabled(true)
                .httpsPort(port).keystorePath(certs.keyStore().toString()).keystoreType("PKCS12")
                .keystorePassword(ReplayCertificates.PASSWORD).keyManagerPassword(ReplayCertificates.PASSWORD));
        server.start();
        for (MappingBuilder stub : stubs) {
            server.stubFor(stub);
        }
        return new FakeApi(server, TrustEnvironment.trusting(dir.resolve("bundle.pem"), List.of(certs.caPem())));
    }

    /** What makes clients trust this API's certificate. */
    Map<String, String> trustEnvironment() {
        return trust;
    }

    @Override
    public void close() {
        server.stop();
    }
}
