package io.recordtls.samples;

import io.recordtls.har.RecordedExchange;
import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A Go service (net/http, crypto/tls: no OpenSSL at all) reserving stock with a warehouse API,
 * built as images ship Go: static and stripped. Over HTTP/2, Go's default with an API that offers
 * it, and over HTTP/1.1 (GODEBUG=http2client=0).
 */
@RecordTls(failOnUnusedRecordings = true)
class GoStockServiceTest {
    static final String WAREHOUSE_API = "https://localhost:18448";
    static Path stockService;
    FakeApi upstream;

    @BeforeAll
    static void buildTheService() throws Exception {
        stockService = GoBuild.build("stock_service"); // before any test: the compiler's processes are not recorded
    }

    @BeforeEach
    void startUpstreamWhenRecording(TlsRecording tls) throws Exception {
        if (tls.isRecording()) {
            upstream = FakeApi.start(18448,
                    get(urlEqualTo("/v1/stock/W-1")).willReturn(okJson("{\"sku\":\"W-1\",\"available\":7}")),
                    post(urlEqualTo("/v1/reservations")).withRequestBody(equalToJson("{\"sku\":\"W-1\",\"quantity\":3}"))
                            .willReturn(okJson("{\"id\":\"r-42\"}")));
        }
    }

    @AfterEach
    void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void reservesStockOverHttp2(TlsRecording tls) throws Exception {
        reservesStock(tls, Map.of(), "HTTP/2.0");
    }

    @Test
    void reservesStockOverHttp1(TlsRecording tls) throws Exception {
        reservesStock(tls, Map.of("GODEBUG", "http2client=0"), "HTTP/1.1");
    }

    private void reservesStock(TlsRecording tls, Map<String, String> extraEnv, String protocol) throws Exception {
        // SSL_CERT_FILE (in both environments) is what Go's crypto/x509 trusts on Linux
        Map<String, String> env = new HashMap<>(tls.isRecording() ? upstream.trustEnvironment() : tls.environment());
        env.put("STOCK_API", tls.baseUrl(WAREHOUSE_API));
        env.putAll(extraEnv);

        String out = ServiceRun.run(env, stockService.toString(), "W-1", "3");

        assertThat(out).isEqualTo("reserved 3 of 7 W-1: r-42");
        if (tls.isRecording()) { // what was recorded went over the protocol this test is about
            assertThat(upstream.protocols()).containsOnly(protocol).hasSize(2);
        }
        List<RecordedExchange> exchanges = tls.exchanges();
        assertThat(exchanges).extracting(RecordedExchange::method, x -> x.url().getPath(), RecordedExchange::status)
                .containsExactly(tuple("GET", "/v1/stock/W-1", 200),
                        tuple("POST", "/v1/reservations", 200));
        RecordedExchange reservation = exchanges.get(1);
        // the bytes the Go program wrote and read, as they went through crypto/tls
        assertThat(reservation.requestHeader("Content-Type")).isEqualTo("application/json");
        assertThat(new String(reservation.requestBody(), StandardCharsets.UTF_8)).isEqualTo("{\"sku\":\"W-1\",\"quantity\":3}");
        assertThat(new String(reservation.responseBody(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"r-42\"}");
        assertThat(new String(exchanges.getFirst().responseBody(), StandardCharsets.UTF_8)).isEqualTo("{\"sku\":\"W-1\",\"available\":7}");
    }
}
