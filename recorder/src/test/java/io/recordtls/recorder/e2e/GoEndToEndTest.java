package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.demo.DemoHttpsServer;
import io.recordtls.recorder.e2e.GoPrograms.Variant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.recordtls.recorder.e2e.Recording.responseBytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Go programs built here with the machine's Go (static, crypto/tls inside the executable): a
 * net/http client over HTTP/1.1 (the demo server) and h2 (node's h2 server), linked with a symbol
 * table, stripped, and as PIE; and a Go server recorded by pid after it started.
 */
class GoEndToEndTest extends EndToEndTestBase {
    static DemoHttpsServer h1;
    static H2TestServer h2;
    static String ca;

    @BeforeAll
    static void startServers() throws Exception {
        h1 = DemoHttpsServer.start();
        ca = h1.caCertificate().toString();
        h2 = H2TestServer.start(h1);
    }

    @AfterAll
    static void stopServers() {
        if (h2 != null) {
            h2.close();
        }
        if (h1 != null) {
            h1.close();
        }
    }

    private Recording goClient(Variant variant, String protocol, String... requests) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(GoPrograms.build("client", variant).toString(), ca, protocol));
        cmd.addAll(List.of(requests));
        return record(cmd.toArray(String[]::new));
    }

    private static void assertGoConnection(JsonNode e, String protocol) {
        assertThat(e.at("/request/httpVersion").asText()).isEqualTo(protocol);
        assertThat(e.at("/response/httpVersion").asText()).isEqualTo(protocol);
        assertThat(e.path("_tlsLibrary").asText()).contains("Go crypto/tls, go1.");
        assertThat(e.path("serverIPAddress").asText()).as("address from the fd behind the *tls.Conn").isIn("127.0.0.1", "::1");
        assertThat(e.has("_incomplete")).as("%s", e.path("_notes")).isFalse();
    }

    @Test
    void http1GetPostAndTenMegabytesAreByteExact() throws IOException {
        String base = h1.baseUrl();
        String json = "{\"go\":true,\"list\":[1,2]}";
        int n = 10 << 20;
        Recording rec = goClient(Variant.SYMTAB, "h1", base + "/json", "POST:" + base + "/echo|" + json,
                base + "/bytes?n=" + n + "&seed=5");
        List<JsonNode> entries = rec.entries();
        assertThat(entries).hasSize(3).allSatisfy(e -> assertGoConnection(e, "HTTP/1.1"));
        assertThat(entries.get(0).at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
        assertThat(entries.get(1).at("/request/method").asText()).isEqualTo("POST");
        assertThat(entries.get(1).at("/request/postData/text").asText()).isEqualTo(json);
        assertThat(entries.get(1).at("/response/content/text").asText()).isEqualTo(json);
        assertThat(responseBytes(entries.get(2))).isEqualTo(DemoHttpsServer.bytes(n, 5));
        assertThat(rec.summary().lossless()).isTrue();
        // the stacks the connections went through: the Go binary alone (the system libssl is probed too, and was listed once)
        assertThat(rec.log().path("tlsLibraries")).singleElement()
                .satisfies(l -> assertThat(l.asText()).contains("(Go crypto/tls, go1."));
        assertThat(rec.log().has("tlsNotDecoded")).as("%s", rec.log().path("tlsNotDecoded")).isFalse();
    }

    @Test
    void http2FromGosOwnImplementationIsDecodedByteExact() throws IOException {
        String base = h2.base;
        String json = "{\"h2\":\"go\"}";
        int n = 10 << 20;
        Recording rec = goClient(Variant.SYMTAB, "h2", base + "/json?x=1", "POST:" + base + "/echo|" + json,
                base + "/bytes?n=" + n + "&seed=3");
        List<JsonNode> entries = rec.entries();
        assertThat(entries).hasSize(3).allSatisfy(e -> assertGoConnection(e, "HTTP/2"));
        assertThat(entries).extracting(e -> e.path("connection").asText()).containsOnly(entries.getFirst().path("connection").asText());
        assertThat(entries.get(0).at("/request/url").asText()).isEqualTo(base + "/json?x=1");
        assertThat(entries.get(0).at("/response/content/text").asText()).isEqualTo(Http2EndToEndTest.JSON);
        assertThat(entries.get(1).at("/request/postData/text").asText()).isEqualTo(json);
        assertThat(entries.get(1).at("/response/content/text").asText()).isEqualTo(json);
        assertThat(responseBytes(entries.get(2))).isEqualTo(Http2EndToEndTest.bytes(n, 3));
        assertThat(rec.summary().lossless()).isTrue();
    }

    @Test
    void aStrippedGoClientIsRecordedThroughItsFunctionTable() throws IOException {
        Recording rec = goClient(Variant.STRIPPED, "h2", h2.base + "/bytes?n=300000&seed=9");
        assertGoConnection(rec.only(), "HTTP/2");
        assertThat(responseBytes(rec.only())).isEqualTo(Http2EndToEndTest.bytes(300000, 9));
    }

    @Test
    void aPositionIndependentGoClientIsRecorded() throws IOException {
        Recording rec = goClient(Variant.PIE, "h1", h1.baseUrl() + "/bytes?n=300000&seed=2");
        assertGoConnection(rec.only(), "HTTP/1.1");
        assertThat(responseBytes(rec.only())).isEqualTo(DemoHttpsServer.bytes(300000, 2));
    }

    @Test
    void aStrippedPositionIndependentGoClientIsRecorded() throws IOException {
        Recording rec = goClient(Variant.STRIPPED_PIE, "h2", h2.base + "/bytes?n=300000&seed=1");
        assertGoConnection(rec.only(), "HTTP/2");
        assertThat(responseBytes(rec.only())).isEqualTo(Http2EndToEndTest.bytes(300000, 1));
    }

    @Test
    void aGoServerRecordedByPidAfterItStarted() throws Exception {
        Path server = GoPrograms.build("server", Variant.STRIPPED);
        Process p = new ProcessBuilder(server.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String port = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            String base = "https://localhost:" + port;
            String json = "{\"served\":\"by go\"}";
            Recording rec = record(RecorderOptions.defaults(), r -> {
                r.addProcess(p.pid());
                try {
                    Recording.curl("-k", "--http2", "-o", "/dev/null", base + "/bytes?n=1000000&seed=4");
                    Recording.curl("-k", "--http1.1", "-H", "content-type: application/json", "--data-binary", json, base + "/echo");
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            List<JsonNode> entries = rec.entries();
            assertThat(entries).hasSize(2);
            assertGoConnection(entries.get(0), "HTTP/2");
            assertGoConnection(entries.get(1), "HTTP/1.1");
            assertThat(responseBytes(entries.get(0))).isEqualTo(Http2EndToEndTest.bytes(1000000, 4));
            assertThat(entries.get(1).at("/request/postData/text").asText()).isEqualTo(json);
            assertThat(entries.get(1).at("/response/content/text").asText()).isEqualTo(json);
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * The peer has a response before the writer's Write has returned (its probe captures the bytes
     * at the RET): a server recorded by pid whose last write returns 150 ms after its bytes went
     * out still has that response in the HAR when the recording ends as soon as the client has it,
     * and when it closes the connection before that write has returned (its h2 server does).
     */
    @Test
    void aResponseWhoseWriteReturnsAfterTheClientHasItIsRecorded() throws Exception {
        Path server = GoPrograms.build("server", Variant.STRIPPED);
        ProcessBuilder pb = new ProcessBuilder(server.toString()).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("SLOW_WRITES_MS", "150");
        Process p = pb.start();
        try {
            String port = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            Recording rec = record(RecorderOptions.defaults(), r -> {
                r.addProcess(p.pid());
                try {
                    Recording.curl("-k", "--http1.1", "-o", "/dev/null", "https://localhost:" + port + "/bytes?n=5000&seed=8");
                    // h2: the frames are written on a goroutine of their own, and the connection is
                    // closed on another once curl has gone, while the last Write is still inside
                    Recording.curl("-k", "--http2", "-o", "/dev/null", "https://localhost:" + port + "/bytes?n=70000&seed=9");
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            List<JsonNode> entries = rec.entries();
            assertThat(entries).hasSize(2);
            assertGoConnection(entries.get(0), "HTTP/1.1");
            assertThat(responseBytes(entries.get(0))).isEqualTo(Http2EndToEndTest.bytes(5000, 8));
            assertGoConnection(entries.get(1), "HTTP/2");
            assertThat(responseBytes(entries.get(1))).isEqualTo(Http2EndToEndTest.bytes(70000, 9));
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * A Go binary from before the register ABI (here a stripped client whose build info says
     * go1.16: no older Go is installed to build a real one) is named, with its process, as not
     * recorded; never an empty recording that says nothing.
     */
    @Test
    void aGoBinaryBefore117IsNamedAsNotRecorded() throws IOException {
        Path client = GoPrograms.build("client", Variant.STRIPPED);
        byte[] bytes = java.nio.file.Files.readAllBytes(client);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int info = text.indexOf("\u00ff Go buildinf:");
        int version = text.indexOf("go1.", info);
        assertThat(info).isNotNegative();
        assertThat(version - info).isLessThan(64);
        assertThat(text.substring(version, version + 7)).as("a Go 1.1x-1.9x version").matches("go1\\.[1-9]\\d\\D");
        bytes[version + 4] = '1'; // "go1.19.x" -> "go1.16.x", same length
        bytes[version + 5] = '6';
        Path old = tmp.resolve("oldgo");
        java.nio.file.Files.write(old, bytes);
        old.toFile().setExecutable(true);

        Recording rec = record(old.toString(), ca, "h1", h1.baseUrl() + "/json");

        assertThat(rec.entries()).isEmpty();
        assertThat(rec.summary().notes()).anySatisfy(n -> assertThat(n)
                .contains("Go TLS not recorded: oldgo was built by go1.16.")
                .contains("Go >= 1.17 (register ABI) is supported")
                .contains("(pid ").contains("oldgo)"));
    }
}
