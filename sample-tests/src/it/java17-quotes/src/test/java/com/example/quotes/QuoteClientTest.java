package com.example.quotes;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import io.recordtls.replayer.server.ReplayCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.net.URI;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A Java 17 client recorded in the test JVM (the JVM probe) and replayed with no upstream. Only
 * the upstream is fake while recording: a local HTTPS API with a CA of its own, trusted the way
 * a real API's CA is.
 */
@RecordTls
class QuoteClientTest {
    static WireMockServer upstream;

    @BeforeAll
    static void startTheUpstreamWhileRecording() throws Exception {
        if (!"RECORD".equals(System.getProperty("recordtls.mode"))) {
            return;
        }
        ReplayCertificates certs = ReplayCertificates.create(List.of("localhost"), Files.createTempDirectory("quotes-api"));
        upstream = new WireMockServer(options().bindAddress("127.0.0.1").httpDisabled(true).httpsPort(18451)
                .keystorePath(certs.keyStore().toString()).keystoreType("PKCS12")
                .keystorePassword(ReplayCertificates.PASSWORD).keyManagerPassword(ReplayCertificates.PASSWORD));
        upstream.start();
        upstream.stubFor(get(urlEqualTo("/v1/quote?symbol=ACME")).willReturn(okJson("{\"symbol\":\"ACME\",\"price\":12.5}")));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(certs.caPem())) {
            trust.setCertificateEntry("quotes-api", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        SSLContext.setDefault(ssl);
    }

    @AfterAll
    static void stopTheUpstream() {
        if (upstream != null) {
            upstream.stop();
        }
    }

    @Test
    void fetchesAQuote(TlsRecording tls) throws Exception {
        QuoteClient quotes = new QuoteClient(URI.create("https://localhost:18451"), "s3cret-token");

        assertEquals("{\"symbol\":\"ACME\",\"price\":12.5}", quotes.quote("ACME"));

        assertEquals(1, tls.exchanges().size(), () -> "exchanges: " + tls.exchanges());
        assertEquals("https://localhost:18451/v1/quote?symbol=ACME", tls.exchanges().get(0).url().toString());
        // the HAR holds REDACTED; what the client sent (the replayed exchange) is its own
        assertNotNull(tls.exchanges().get(0).requestHeader("Authorization"));
    }
}
