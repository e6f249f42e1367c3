package io.recordtls.samples;

import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import io.recordtls.har.RecordedExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** A Node service (fetch) asking a weather API; the X-Client header it sends is part of the match. */
@RecordTls(matchHeaders = "X-Client")
class NodeWeatherServiceTest {
    static final String WEATHER_API = "https://localhost:18444";
    FakeApi upstream;

    @BeforeEach
    void startUpstreamWhenRecording(TlsRecording tls) throws Exception {
        if (tls.isRecording()) {
            upstream = FakeApi.start(18444, get(urlPathEqualTo("/v2/forecast")).withQueryParam("city", equalTo("Lyon"))
                    .withHeader("X-Client", equalTo("weather-sample/1.0"))
                    .willReturn(okJson("{\"city\":\"Lyon\",\"days\":[{\"high\":21},{\"high\":19}]}")));
        }
    }

    @AfterEach
    void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void printsTheForecast(TlsRecording tls) throws Exception {
        Map<String, String> env = new HashMap<>(tls.isRecording() ? upstream.trustEnvironment() : tls.environment());
        env.put("WEATHER_API", tls.baseUrl(WEATHER_API));

        String out = ServiceRun.run(env, "node", "weather.mjs", "Lyon");

        assertThat(out).isEqualTo("Lyon: 21C, 19C");
        RecordedExchange forecast = tls.exchanges().getFirst();
        assertThat(forecast.url().getQuery()).isEqualTo("city=Lyon&days=2");
        assertThat(forecast.requestHeader("X-Client")).isEqualTo("weather-sample/1.0");
        assertThat(forecast.status()).isEqualTo(200);
    }
}
