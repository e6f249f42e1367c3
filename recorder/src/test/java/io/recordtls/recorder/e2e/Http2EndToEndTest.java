package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.demo.DemoHttpsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.recordtls.recorder.e2e.Recording.header;
import static io.recordtls.recorder.e2e.Recording.responseBytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 over TLS: a real h2-only server (node's http2 module, not recorded) and real clients
 * (curl --http2, node's http2 client) under real probes.
 */
class Http2EndToEndTest extends EndToEndTestBase {
    static final String JSON = "{\"service\":\"h2\",\"items\":[1,2,3],\"ok\":true}";
    static DemoHttpsServer tls; // only for its certificate
    static H2TestServer h2server;
    static String base;
    static String ca;

    /** Same bytes as h2server.js's bytes(n, seed). */
    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ((i * 131 + seed * 7 + (i >>> 9)) & 0xff);
        }
        return b;
    }

    @BeforeAll
    static void startServer() throws Exception {
        tls = DemoHttpsServer.start();
        ca = tls.caCertificate().toString();
        h2server = H2TestServer.start(tls);
        base = h2server.base;
    }

    @AfterAll
    static void stopServer() {
        if (h2server != null) {
            h2server.close();
        }
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void severalRequestsOnOneConnectionAreEntriesWithPseudoHeadersTurnedIntoTheUrlAndStatus() throws IOException {
        Recording rec = record("curl", "--http2", "-sS", "--cacert", ca, "-o", "/dev/null", base + "/json?x=1",
                "-o", "/dev/null", "--compressed", base + "/gzip", "-o", "/dev/null", base + "/missing");
        List<JsonNode> entries = rec.entries();
        assertThat(entries).extracting(e -> e.at("/request/url").asText())
                .containsExactly(base + "/json?x=1", base + "/gzip", base + "/missing");
        assertThat(entries).extracting(e -> e.at("/response/status").asInt()).containsExactly(200, 200, 404);
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.at("/request/httpVersion").asText()).isEqualTo("HTTP/2");
            assertThat(e.at("/response/httpVersion").asText()).isEqualTo("HTTP/2");
            assertThat(e.path("connection").asText()).isEqualTo(entries.getFirst().path("connection").asText());
            assertThat(e.at("/request/headers").toString()).doesNotContain("\":path\"");
            assertThat(e.has("_incomplete")).isFalse();
        });
        assertThat(entries.get(0).at("/request/queryString/0/value").asText()).isEqualTo("1");
        assertThat(header(entries.get(0).path("request"), "user-agent")).startsWith("curl/");
        assertThat(entries.get(0).at("/response/content/text").asText()).isEqualTo(JSON);
        assertThat(entries.get(1).at("/response/content/text").asText()).isEqualTo(JSON.repeat(50));
        assertThat(header(entries.get(1).path("response"), "content-encoding")).isEqualTo("gzip");
        assertThat(entries.get(2).at("/response/content/text").asText()).isEqualTo("{\"error\":\"not found\"}");
    }

    @Test
    void concurrentInterleavedStreamsEachGetTheirOwnExactEntry() throws IOException {
        List<String> cmd = new ArrayList<>(List.of("curl", "--http2", "-sS", "--cacert", ca, "--parallel", "--parallel-immediate",
                "--parallel-max", "10"));
        for (int seed = 1; seed <= 10; seed++) {
            cmd.addAll(List.of("-o", "/dev/null", base + "/bytes?n=300000&seed=" + seed));
        }
        Recording rec = record(cmd.toArray(String[]::new));
        List<JsonNode> entries = rec.entries();
        assertThat(entries).hasSize(10);
        for (JsonNode e : entries) {
            int seed = Integer.parseInt(e.at("/request/url").asText().replaceAll(".*seed=", ""));
            assertThat(responseBytes(e)).as("seed " + seed).isEqualTo(bytes(300000, seed));
        }
        assertThat(rec.summary().lossless()).isTrue();
    }

    @Test
    void tenMegabyteBodyIsByteExact() throws IOException {
        int n = 10 << 20;
        Recording rec = record("curl", "--http2", "-sS", "--cacert", ca, "-o", "/dev/null", base + "/bytes?n=" + n + "&seed=8");
        assertThat(responseBytes(rec.only())).isEqualTo(bytes(n, 8));
    }

    @Test
    void postBodyIsKept() throws IOException {
        String json = "{\"h2\":true,\"list\":[1,2]}";
        Recording rec = record("curl", "--http2", "-sS", "--cacert", ca, "-H", "content-type: application/json", "--data-binary", json, base + "/echo");
        JsonNode e = rec.only();
        assertThat(e.at("/request/method").asText()).isEqualTo("POST");
        assertThat(e.at("/request/postData/text").asText()).isEqualTo(json);
        assertThat(e.at("/response/content/text").asText()).isEqualTo(json);
    }

    /**
     * node ends a /bytes stream with an empty DATA frame after the body; curl, with the whole
     * Content-Length in hand, closes the connection without reading it. The bodies are whole.
     */
    @Test
    void postsWhoseEndStreamCurlNeverReadIsWholeByContentLength() throws IOException {
        // one --data-binary: curl sends it with each of the six POSTs, on one connection
        List<String> cmd = new ArrayList<>(List.of("curl", "--http2", "-sS", "--cacert", ca, "--data-binary", "{\"post\":true}"));
        for (int seed = 1; seed <= 6; seed++) {
            cmd.addAll(List.of("-o", "/dev/null", base + "/bytes?n=100000&seed=" + seed));
        }
        Recording rec = record(cmd.toArray(String[]::new));
        List<JsonNode> entries = rec.entries();
        assertThat(entries).hasSize(6);
        for (JsonNode e : entries) {
            int seed = Integer.parseInt(e.at("/request/url").asText().replaceAll(".*seed=", ""));
            assertThat(e.at("/request/method").asText()).isEqualTo("POST");
            assertThat(e.at("/request/postData/text").asText()).isEqualTo("{\"post\":true}");
            assertThat(responseBytes(e)).as("seed " + seed).isEqualTo(bytes(100000, seed));
            assertThat(e.has("_incomplete")).as("entry %d marked incomplete: %s", seed, e.path("_notes")).isFalse();
        }
        assertThat(rec.summary().incompleteEntries()).isZero();
    }

    @Test
    void streamResetMidBodyIsAnIncompleteEntryWithWhatArrived() throws IOException {
        Recording rec = record(RecorderOptions.defaults(), r -> {
            try {
                Process p = r.launch(List.of("curl", "--http2", "-sS", "--cacert", ca, "-o", "/dev/null", base + "/reset"),
                        ProcessBuilder.Redirect.DISCARD);
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue(); // curl fails: the stream was reset
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        JsonNode e = rec.only();
        assertThat(e.at("/_incomplete").asBoolean()).isTrue();
        assertThat(e.at("/_notes").toString()).contains("stream reset by the server (CANCEL)");
        assertThat(responseBytes(e)).isEqualTo(bytes(1000, 4));
    }

    @Test
    void pushedResponsesAreTheirOwnMarkedEntriesAndGrpcTrailersAreKept() throws IOException {
        String client = String.join("\n",
                "const http2 = require('http2'), fs = require('fs');",
                "const c = http2.connect('" + base + "', { ca: fs.readFileSync('" + ca + "') });",
                "let pending = 3;",
                "const done = () => { if (--pending === 0) c.close(); };",
                "c.on('stream', (pushed) => { pushed.resume(); pushed.on('end', done); });",
                "const r = c.request({ ':path': '/push' }); r.resume(); r.on('end', done);",
                "const g = c.request({ ':path': '/grpc', ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers' });",
                "g.end(Buffer.from([0, 0, 0, 0, 3, 1, 2, 3])); g.resume(); g.on('end', done);");
        Recording rec = record("node", "-e", client);
        List<JsonNode> entries = rec.entries();
        assertThat(entries).extracting(e -> e.at("/request/url").asText())
                .containsExactlyInAnyOrder(base + "/push", base + "/pushed.css", base + "/grpc");
        JsonNode pushed = entries.stream().filter(e -> e.at("/request/url").asText().endsWith(".css")).findFirst().orElseThrow();
        assertThat(pushed.at("/_pushed").asBoolean()).isTrue();
        assertThat(pushed.at("/response/content/text").asText()).isEqualTo("body { color: red }");
        JsonNode grpc = entries.stream().filter(e -> e.at("/request/url").asText().endsWith("/grpc")).findFirst().orElseThrow();
        assertThat(grpc.at("/request/postData/_encoding").asText()).isEqualTo("base64");
        assertThat(responseBytes(grpc)).containsExactly(0, 0, 0, 0, 3, 1, 2, 3);
        assertThat(grpc.at("/response/_trailers").toString()).contains("grpc-status").contains("grpc-message");
        assertThat(grpc.at("/_process").asText()).isEqualTo("node");
        // node's OpenSSL reads and writes memory BIOs: its connections have no addresses, yet are not unseen
        assertThat(rec.log().has("tlsNotDecoded")).as("node's decoded connections are not reported unseen").isFalse();
    }
}
