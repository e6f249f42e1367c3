package io.recordtls.samples;

import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import io.recordtls.har.RecordedExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** A Python service (urllib) that prices orders with a third-party quotes API. */
@RecordTls
class PythonQuoteServiceTest {
    static final String QUOTES_API = "https://localhost:18443";
    FakeApi upstream;

    @BeforeEach
    void startUpstreamWhenRecording(TlsRecording tls) throws Exception {
        if (tls.isRecording()) {
            upstream = FakeApi.start(18443,
                    post(urlEqualTo("/v1/quotes")).withRequestBody(equalToJson("{\"symbol\":\"ACME\",\"quantity\":10}"))
                            .willReturn(okJson("{\"symbol\":\"ACME\",\"price\":12.5,\"currency\":\"USD\"}")),
                    get(urlEqualTo("/v1/fx?from=USD&to=EUR")).willReturn(okJson("{\"rate\":0.9}")));
        }
    }

    @AfterEach
    void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void pricesAnOrderInEuros(TlsRecording tls) throws Exception {
        Map<String, String> env = new HashMap<>(tls.isRecording() ? upstream.trustEnvironment() : tls.environment());
        env.put("QUOTES_API", tls.baseUrl(QUOTES_API));
        env.put("QUOTES_TOKEN", "s3cret-token");

        String out = ServiceRun.run(env, "python3", "quote_service.py", "ACME", "10");

        assertThat(out).isEqualTo("ACME x10 = 112.50 EUR");
        // what the service sent, in both modes
        assertThat(tls.exchanges()).hasSize(2);
        RecordedExchange quote = tls.exchanges().getFirst();
        assertThat(quote.method()).isEqualTo("POST");
        assertThat(quote.url().getPath()).isEqualTo("/v1/quotes");
        assertThat(quote.requestHeader("Content-Type")).isEqualTo("application/json");
        assertThat(new String(quote.requestBody(), StandardCharsets.UTF_8)).isEqualTo("{\"symbol\": \"ACME\", \"quantity\": 10}");
        assertThat(tls.exchanges().get(1).url().getQuery()).isEqualTo("from=USD&to=EUR");
    }
}
