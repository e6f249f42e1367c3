package io.recordtls.samples;

import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import io.recordtls.har.RecordedExchange;
import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.har.HarJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.nio.file.Path;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Java code under test in the test JVM itself: recorded through the JVM probe (JSSE), replayed
 * with the upstream gone and the client unchanged (same URL, default trust).
 */
@RecordTls
class JavaRatesClientTest {
    static final String RATES_API = "https://localhost:18446";
    FakeApi upstream;
    SSLContext jvmDefault;

    @BeforeEach
    void startUpstreamWhenRecording(TlsRecording tls) throws Exception {
        if (tls.isRecording()) {
            upstream = FakeApi.start(18446, get(urlEqualTo("/v1/rates?from=EUR&to=CHF")).willReturn(okJson("{\"rate\":0.94}")));
            // a real API's CA is in the JDK's trust store; the fake one's is made so for the recording
            jvmDefault = SSLContext.getDefault();
            SSLContext.setDefault(FakeApi.sslContext());
        }
    }

    @AfterEach
    void stopUpstream() {
        if (upstream != null) {
            SSLContext.setDefault(jvmDefault);
            upstream.close();
        }
    }

    /**
     * The HAR just recorded is what gets committed: nothing in it may change from one recording
     * to the next without the exchange changing (no pid, no temporary library path).
     */
    @AfterAll
    static void theRecordingHoldsNothingThatChangesFromRunToRun() throws Exception {
        if (!"RECORD".equals(System.getProperty("recordtls.mode"))) {
            return;
        }
        Path har = Path.of(System.getProperty("recordtls.dir"), "JavaRatesClientTest", "convertsEurosToFrancs.har");
        JsonNode log = HarJson.mapper().readTree(har.toFile()).path("log");
        assertThat(log.path("entries")).isNotEmpty().allSatisfy(e -> assertThat(e.has("_pid")).as("_pid in %s", e).isFalse());
        assertThat(log.path("_recordtls").path("tlsLibraries").toString()).isEqualTo("[\"JSSE\"]");
        assertThat(log.path("_recordtls").path("jvmProbes").toString()).doesNotContain("\"pid\"");
    }

    @Test
    void convertsEurosToFrancs(TlsRecording tls) throws Exception {
        RatesClient rates = new RatesClient(RATES_API);

        assertThat(rates.convert("EUR", "CHF", 100)).isEqualTo("94.00 CHF");

        RecordedExchange call = tls.exchanges().getFirst();
        assertThat(tls.exchanges()).hasSize(1);
        assertThat(call.url().toString()).isEqualTo(RATES_API + "/v1/rates?from=EUR&to=CHF");
        if (tls.isRecording()) {
            assertThat(call.requestHeader("Authorization")).as("redacted in the recording").doesNotContain("s3cret");
        }
        // WireMock's verification DSL over what was exchanged, in both modes
        tls.verify(1, getRequestedFor(urlPathEqualTo("/v1/rates")).withQueryParam("to", equalTo("CHF"))
                .withHost(equalTo("localhost")).withHeader("Authorization", matching("Bearer .+|REDACTED")));
        tls.verify(0, postRequestedFor(urlPathEqualTo("/v1/rates")));
        assertThat(tls.findAll(getRequestedFor(urlPathEqualTo("/v1/rates")).withQueryParam("from", equalTo("USD")))).isEmpty();
    }
}
