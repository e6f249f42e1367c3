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

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** A shell script with wget (GnuTLS, not OpenSSL) archiving a day's orders: a GET, then a POST of what it got. */
@RecordTls(failOnUnusedRecordings = true)
class WgetOrderArchiveTest {
    static final String ORDERS_API = "https://localhost:18449";
    static final String ORDERS = "o-1,W-1,3\no-2,W-7,1\no-3,W-1,2\n";
    FakeApi upstream;

    @BeforeEach
    void startUpstreamWhenRecording(TlsRecording tls) throws Exception {
        if (tls.isRecording()) {
            upstream = FakeApi.start(18449,
                    get(urlEqualTo("/v1/orders?day=2026-12-04")).willReturn(aResponse().withHeader("Content-Type", "text/csv").withBody(ORDERS)),
                    post(urlEqualTo("/v1/archive/2026-12-04")).withHeader("Content-Type", equalTo("text/csv"))
                            .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "text/plain").withBody("a-2026-12-04")));
        }
    }

    @AfterEach
    void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void archivesTheDaysOrders(TlsRecording tls) throws Exception {
        // the script hands SSL_CERT_FILE (in both environments) to wget's --ca-certificate
        Map<String, String> env = new HashMap<>(tls.isRecording() ? upstream.trustEnvironment() : tls.environment());
        env.put("ORDERS_API", tls.baseUrl(ORDERS_API));

        String out = ServiceRun.run(env, "sh", "archive_orders.sh", "2026-12-04");

        assertThat(out).isEqualTo("archived 3 orders of 2026-12-04 as a-2026-12-04");
        assertThat(tls.exchanges()).hasSize(2);
        RecordedExchange orders = tls.exchanges().getFirst();
        assertThat(orders.url().getQuery()).isEqualTo("day=2026-12-04");
        assertThat(orders.requestHeader("User-Agent")).startsWith("Wget/");
        assertThat(new String(orders.responseBody(), StandardCharsets.UTF_8)).isEqualTo(ORDERS);
        RecordedExchange archive = tls.exchanges().get(1);
        assertThat(archive.method()).isEqualTo("POST");
        assertThat(archive.status()).isEqualTo(201);
        // $(...) dropped the last newline: the bytes wget sent, exactly
        assertThat(new String(archive.requestBody(), StandardCharsets.UTF_8)).isEqualTo(ORDERS.stripTrailing());
        assertThat(new String(archive.responseBody(), StandardCharsets.UTF_8)).isEqualTo("a-2026-12-04");
    }
}
