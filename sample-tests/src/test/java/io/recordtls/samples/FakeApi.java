package io.recordtls.samples;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.recordtls.junit.RecordTlsExtension;
import io.recordtls.junit.RecordTlsMode;
import io.recordtls.junit.TrustEnvironment;
import io.recordtls.replayer.server.ReplayCertificates;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Plays a third-party HTTPS API on loopback, with its own CA, on a fixed port as a real API has
 * a fixed address. Tests start it only while recording: replays run with no upstream at all.
 */
final class FakeApi implements AutoCloseable {
    /** Names the containerized services use for their upstreams (host entries to 127.0.0.1). */
    static final List<String> NAMES = List.of("localhost", "quotes.upstream.test", "weather.upstream.test", "rates.upstream.test", "warehouse.upstream.test");
    /** The password of {@link #trustStore()}. */
    static final String TRUST_STORE_PASSWORD = "changeit";
    private static ReplayCertificates certificates;

    private final WireMockServer server;
    private final Map<String, String> trust;

    private FakeApi(WireMockServer server, Map<String, String> trust) {
        this.server = server;
        this.trust = trust;
    }

    /** One CA for the fake APIs of a run: a container's configuration can name its file before any API starts. */
    static synchronized ReplayCertificates certificates() {
        if (certificates == null) {
            try {
                certificates = ReplayCertificates.create(NAMES, Files.createTempDirectory("fake-api"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return certificates;
    }

    /** An SSLContext trusting the fake APIs' CA (for Java clients in the test JVM). */
    static SSLContext sslContext() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustKeyStore());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static KeyStore trustKeyStore() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certificates().caPem())) {
            trust.setCertificateEntry("fake-api", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        return trust;
    }

    /** The fake APIs' CA as a PKCS#12 trust store (for a JVM in a container: javax.net.ssl.trustStore). */
    static synchronized Path trustStore() {
        try {
            Path p = certificates().caPem().resolveSibling("fake-api-truststore.p12");
            if (!Files.exists(p)) {
                try (var out = Files.newOutputStream(p)) {
                    trustKeyStore().store(out, TRUST_STORE_PASSWORD.toCharArray());
                }
            }
            return p;
        } catch (Exception e) {
            throw new IllegalStateException("write the fake APIs' trust store", e);
        }
    }

    static FakeApi start(int port, MappingBuilder... stubs) throws IOException {
        ReplayCertificates certs = certificates();
        WireMockServer server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").httpDisabled(true)
                .httpsPort(port).keystorePath(certs.keyStore().toString()).keystoreType("PKCS12")
                .keystorePassword(ReplayCertificates.PASSWORD).keyManagerPassword(ReplayCertificates.PASSWORD));
        server.start();
        for (MappingBuilder stub : stubs) {
            server.stubFor(stub);
        }
        Path bundle = Files.createTempFile("fake-api-bundle", ".pem");
        return new FakeApi(server, TrustEnvironment.trusting(bundle, List.of(certs.caPem())));
    }

    /** What makes clients trust this API's certificate. */
    Map<String, String> trustEnvironment() {
        return trust;
    }

    /** The protocol of each request this API served ("HTTP/1.1", "HTTP/2.0"), in the order they came. */
    List<String> protocols() {
        return server.getAllServeEvents().reversed().stream().map(e -> e.getRequest().getProtocol()).toList();
    }

    @Override
    public void close() {
        server.stop();
    }

    /**
     * The fake API of a class whose service runs in a container: up while the class records,
     * before its containers start (declare it after @RecordTls, before @Testcontainers).
     */
    abstract static class WhileRecording implements BeforeAllCallback, AfterAllCallback {
        private final int port;
        private final MappingBuilder[] stubs;
        private FakeApi api;

        WhileRecording(int port, MappingBuilder... stubs) {
            this.port = port;
            this.stubs = stubs;
        }

        @Override
        public void beforeAll(ExtensionContext ctx) throws IOException {
            if (RecordTlsExtension.classMode(ctx).orElseThrow() == RecordTlsMode.RECORD) {
                api = start(port, stubs);
            }
        }

        @Override
        public void afterAll(ExtensionContext ctx) {
            if (api != null) {
                api.close();
            }
        }
    }
}
