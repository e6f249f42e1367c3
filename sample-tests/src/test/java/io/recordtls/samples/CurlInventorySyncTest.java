package io.recordtls.samples;

import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import io.recordtls.har.RecordedExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static org.assertj.core.api.Assertions.assertThat;

/** A shell script with curl that syncs an inventory: one GET, then one PUT per item, each a new process. */
@RecordTls(failOnUnusedRecordings = true)
class CurlInventorySyncTest {
    static final String INVENTORY_API = "https://localhost:18445";
    FakeApi upstream;

    @BeforeEach
    void startUpstreamWhenRecording(TlsRecording tls) throws Exception {
        if (tls.isRecording()) {
            upstream = FakeApi.start(18445,
                    get(urlEqualTo("/items")).willReturn(aResponse().withHeader("Content-Type", "text/plain").withBody("a1\nb2\nc3\n")),
                    put(urlMatching("/items/.*")).willReturn(aResponse().withStatus(204)));
        }
    }

    @AfterEach
    void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void marksEveryItemSynced(TlsRecording tls) throws Exception {
        Map<String, String> env = new HashMap<>(tls.isRecording() ? upstream.trustEnvironment() : tls.environment());
        env.put("INVENTORY_API", tls.baseUrl(INVENTORY_API));

        String out = ServiceRun.run(env, "sh", "sync_inventory.sh");

        assertThat(out).isEqualTo("synced 3 items");
        List<RecordedExchange> puts = tls.exchanges().stream().filter(x -> x.method().equals("PUT")).toList();
        assertThat(puts).extracting(x -> x.url().getPath()).containsExactly("/items/a1", "/items/b2", "/items/c3");
        assertThat(new String(puts.get(1).requestBody(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"b2\",\"synced\":true}");
        assertThat(puts).allMatch(x -> x.status() == 204);
    }
}
