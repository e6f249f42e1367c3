package io.recordtls.samples;

import io.recordtls.har.RecordedExchange;
import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** A shell script fetching exchange rates with NSS's tstclnt (NSPR and NSS's libssl3: neither OpenSSL nor GnuTLS). */
@RecordTls(failOnUnusedRecordings = true)
class NssRatesCheckTest {
    static final String RATES_API = "https://localhost:18450";
    static final String RATES = "{\"base\":\"EUR\",\"rates\":{\"USD\":1.08,\"GBP\":0.85}}";
    FakeApi upstream;

    @BeforeEach
    void startUpstreamWhenRecording(TlsRecording tls) throws Exception {
        if (tls.isRecording()) {
            upstream = FakeApi.start(18450, get(urlEqualTo("/v1/rates?base=EUR")).willReturn(okJson(RATES)));
        }
    }

    @AfterEach
    void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void fetchesTodaysRates(TlsRecording tls) throws Exception {
        // the script makes NSS's certificate database from SSL_CERT_FILE (in both environments)
        Map<String, String> env = new HashMap<>(tls.isRecording() ? upstream.trustEnvironment() : tls.environment());
        env.put("RATES_API", tls.baseUrl(RATES_API));

        String out = ServiceRun.run(env, "sh", "fetch_rates.sh");

        assertThat(out).isEqualTo(RATES);
        RecordedExchange rates = tls.exchanges().getFirst();
        assertThat(tls.exchanges()).hasSize(1);
        assertThat(rates.method()).isEqualTo("GET");
        assertThat(rates.url().getPath()).isEqualTo("/v1/rates");
        assertThat(rates.requestHeader("User-Agent")).isEqualTo("rates-check/1.0");
        assertThat(rates.status()).isEqualTo(200);
        assertThat(new String(rates.responseBody(), StandardCharsets.UTF_8)).isEqualTo(RATES);
    }
}
