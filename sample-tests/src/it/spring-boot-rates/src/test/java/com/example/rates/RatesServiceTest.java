package com.example.rates;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.recordtls.junit.RecordTlsExtension;
import io.recordtls.junit.TlsRecording;
import io.recordtls.replayer.server.ReplayCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Spring Boot service in the test JVM, its RestClient unchanged: recorded through the JVM
 * probe, replayed with no upstream. The API's base URL comes from recordtls before the context
 * starts (@DynamicPropertySource), as a client that ignores the JVM's proxy settings needs it.
 * What is fake here is only the upstream while recording (a local HTTPS API with a CA of its
 * own, which the JVM is made to trust as it trusts a real API's).
 */
@SpringBootTest
class RatesServiceTest {
    @RegisterExtension
    static RecordTlsExtension tls = RecordTlsExtension.builder().build();
    static WireMockServer upstream;

    @DynamicPropertySource
    static void ratesApi(DynamicPropertyRegistry registry) {
        registry.add("rates.api", () -> tls.baseUrl("https://localhost:18449"));
    }

    @Autowired
    RatesService rates;

    @BeforeAll
    static void startTheUpstreamWhileRecording() throws Exception {
        if (!"RECORD".equals(System.getProperty("recordtls.mode"))) {
            return;
        }
        ReplayCertificates certs = ReplayCertificates.create(List.of("localhost"), Files.createTempDirectory("rates-api"));
        upstream = new WireMockServer(options().bindAddress("127.0.0.1").httpDisabled(true).httpsPort(18449)
                .keystorePath(certs.keyStore().toString()).keystoreType("PKCS12")
                .keystorePassword(ReplayCertificates.PASSWORD).keyManagerPassword(ReplayCertificates.PASSWORD));
        upstream.start();
        upstream.stubFor(get(urlEqualTo("/v1/rates?from=EUR&to=CHF")).willReturn(okJson("{\"rate\":0.94}")));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(certs.caPem())) {
            trust.setCertificateEntry("rates-api", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        SSLContext.setDefault(ssl); // before the Spring context builds its clients
    }

    @AfterAll
    static void stopTheUpstream() {
        if (upstream != null) {
            upstream.stop();
        }
    }

    @Test
    void convertsEurosToFrancs(TlsRecording tls) {
        assertThat(rates.convert(100, "EUR", "CHF")).isEqualTo("100 EUR = 94.00 CHF");

        assertThat(tls.exchanges()).singleElement().satisfies(x -> {
            assertThat(x.url().toString()).isEqualTo("https://localhost:18449/v1/rates?from=EUR&to=CHF");
            assertThat(x.requestHeader("Authorization")).isNotBlank();
        });
    }
}
