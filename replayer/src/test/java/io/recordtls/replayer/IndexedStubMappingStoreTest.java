package io.recordtls.replayer;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.recordtls.replayer.server.ReplayOptions;
import io.recordtls.replayer.server.ReplayServer;
import io.recordtls.replayer.stubs.StubSet;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;

/** The replay server's stub index answers exactly as WireMock's linear scan would. */
class IndexedStubMappingStoreTest {
    @Test
    void indexedAndUnindexableStubsKeepWireMocksPrecedence() throws Exception {
        Map<String, StubMapping> stubs = new LinkedHashMap<>();
        stubs.put("a.json", WireMock.get(WireMock.urlMatching("/items/.*")).willReturn(aResponse().withBody("regex")).build());
        stubs.put("b.json", WireMock.get(WireMock.urlEqualTo("/items/1")).atPriority(1).willReturn(aResponse().withBody("exact, high priority")).build());
        stubs.put("c.json", WireMock.get(WireMock.urlPathEqualTo("/items/3")).willReturn(aResponse().withBody("older")).build());
        stubs.put("d.json", WireMock.get(WireMock.urlPathEqualTo("/items/3")).willReturn(aResponse().withBody("newer")).build());
        stubs.put("e.json", WireMock.any(WireMock.urlEqualTo("/any")).willReturn(aResponse().withBody("any method")).build());
        HttpClient http = HttpClient.newHttpClient();
        try (ReplayServer s = ReplayServer.start(new StubSet(stubs, Map.of(), List.of(), List.of()), ReplayOptions.defaults(), null)) {
            java.util.function.Function<String, String> get = path -> body(http, s, path);
            assertThat(get.apply("/items/1")).isEqualTo("exact, high priority");
            assertThat(get.apply("/items/2")).isEqualTo("regex");
            assertThat(get.apply("/items/3")).as("newest first among equals, as WireMock does").isEqualTo("newer");
            assertThat(get.apply("/items/3?x=1")).as("path stubs ignore the query").isEqualTo("newer");
            assertThat(get.apply("/any")).isEqualTo("any method");
            assertThat(get.apply("/nothing")).isEqualTo("404");
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(s.httpUrl() + "/any"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.body()).isEqualTo("any method");
        }
    }

    /**
     * A server started in memory serves the set it is given after a replacement, not the one it
     * started with (the stubs it resets to are the latest), and a stub is found by its id (the store
     * looks stubs up by id without a scan).
     */
    @Test
    void replacedStubsAreServedAndTheFirstSetIsGone() throws Exception {
        StubMapping first = WireMock.get(WireMock.urlEqualTo("/first")).willReturn(aResponse().withBody("first")).build();
        StubMapping second = WireMock.get(WireMock.urlEqualTo("/second")).willReturn(aResponse().withBody("second")).build();
        HttpClient http = HttpClient.newHttpClient();
        try (ReplayServer s = ReplayServer.start(new StubSet(Map.of("first.json", first), Map.of(), List.of(), List.of()),
                ReplayOptions.defaults(), null)) {
            java.util.function.Function<String, String> get = path -> body(http, s, path);
            assertThat(get.apply("/first")).isEqualTo("first");
            s.replaceStubs(new StubSet(Map.of("second.json", second), Map.of(), List.of(), List.of()));
            assertThat(get.apply("/second")).isEqualTo("second");
            assertThat(get.apply("/first")).isEqualTo("404");
            assertThat(s.stubCount()).isEqualTo(1);
            assertThat(s.unusedStubs()).isEmpty();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.override(WireMock.get(WireMock.urlEqualTo("/second"))
                            .withId(second.getId()).willReturn(aResponse().withBody("overridden"))))
                    .as("WireMock finds the id taken, through the store's index").hasMessageContaining("Duplicate stub mapping ID");
            assertThat(get.apply("/second")).isEqualTo("second");
            assertThat(s.stubCount()).isEqualTo(1);
        }
    }

    /** The body of a GET of this path, or the status when it is not 200. */
    private static String body(HttpClient http, ReplayServer s, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.httpUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : String.valueOf(r.statusCode());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
