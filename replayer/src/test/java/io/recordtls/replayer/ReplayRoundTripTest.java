package io.recordtls.replayer;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.Recorder;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.demo.DemoHttpsServer;
import io.recordtls.recorder.e2e.EndToEndTestBase;
import io.recordtls.recorder.e2e.Recording;
import io.recordtls.replayer.server.ReplayOptions;
import io.recordtls.replayer.server.ReplayServer;
import io.recordtls.replayer.stubs.StubGenerator;
import io.recordtls.replayer.stubs.StubOptions;
import io.recordtls.replayer.stubs.StubSet;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static io.recordtls.recorder.e2e.Recording.header;
import static io.recordtls.recorder.e2e.Recording.responseBytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Record real clients against a real HTTPS server, turn the HAR into stubs, stop the server,
 * replay on its port, run the same clients again: they must get the same bytes.
 */
class ReplayRoundTripTest extends EndToEndTestBase {
    /** The clients, given the CA file to trust and the server's base URL. */
    static List<List<String>> clients(String ca, String base) {
        return List.of(
                List.of("curl", "-sS", "--cacert", ca, base + "/json?x=1", base + "/hello"),
                List.of("curl", "-sS", "--cacert", ca, "-H", "Content-Type: application/json", "-d", "{\"a\":[1,2,3]}", base + "/echo"),
                List.of("curl", "-sS", "--cacert", ca, base + "/bytes?n=100000&seed=21"),
                List.of("curl", "-sS", "--compressed", "--cacert", ca, base + "/gzip"),
                List.of("python3", "-c", String.join("\n",
                        "import ssl, sys, urllib.request",
                        "ctx = ssl.create_default_context(cafile='" + ca + "')",
                        "for path in ('/chunked', '/json', '/json'):",
                        "    sys.stdout.write(urllib.request.urlopen('" + base + "' + path, context=ctx).read().decode())",
                        "req = urllib.request.Request('" + base + "/echo', data=b'k=v&w=2', headers={'Content-Type': 'application/x-www-form-urlencoded'})",
                        "sys.stdout.write(urllib.request.urlopen(req, context=ctx).read().decode())")));
    }

    /** Runs each client in scope and returns what each printed. */
    List<byte[]> runAll(Recorder r, List<List<String>> clients) {
        List<byte[]> outputs = new ArrayList<>();
        for (List<String> c : clients) {
            try {
                Path out = Files.createTempFile(tmp, "client", ".out");
                Process p = r.launch(c, pb -> pb.redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT));
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as(String.join(" ", c)).isZero();
                outputs.add(Files.readAllBytes(out));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return outputs;
    }

    @Test
    void theSameClientsGetTheSameBytesFromTheReplay() throws Exception {
        List<byte[]> live = new ArrayList<>(), replayed = new ArrayList<>();
        int port;
        Recording recorded;
        try (DemoHttpsServer server = DemoHttpsServer.start()) {
            port = server.port();
            recorded = record(RecorderOptions.defaults(), r -> live.addAll(runAll(r, clients(server.caCertificate().toString(), server.baseUrl()))));
        }
        assertThat(recorded.entries()).hasSize(9);

        Path stubsDir = tmp.resolve("stubs");
        StubSet stubs = new StubGenerator(StubOptions.defaults()).fromHars(List.of(recorded.har()));
        assertThat(stubs.problems()).isEmpty();
        stubs.writeTo(stubsDir);
        assertThat(stubs.bodyFiles()).as("the binary body goes to __files").hasSize(1);

        // The upstream is gone; the replay server takes its port, so the clients keep their URLs.
        try (ReplayServer replay = ReplayServer.start(stubsDir, ReplayOptions.defaults().withPorts(-1, port), null)) {
            String ca = replay.caCertificate().toString();
            Recording again = record(RecorderOptions.defaults(), r -> replayed.addAll(runAll(r, clients(ca, "https://localhost:" + port))));
            assertThat(replay.unmatched()).isEmpty();
            assertThat(replay.unusedStubs()).isEmpty();

            for (int i = 0; i < live.size(); i++) {
                assertThat(replayed.get(i)).as("output of client %d", i).isEqualTo(live.get(i));
            }
            // And what went over the wire, entry by entry, as our own recorder saw it.
            List<JsonNode> before = recorded.entries(), after = again.entries();
            assertThat(after).hasSameSizeAs(before);
            Function<JsonNode, String> key = e -> e.at("/request/method").asText() + " " + e.at("/request/url").asText();
            for (int i = 0; i < before.size(); i++) {
                JsonNode b = before.get(i), a = after.get(i);
                assertThat(key.apply(a)).isEqualTo(key.apply(b));
                assertThat(a.at("/response/status").asInt()).isEqualTo(b.at("/response/status").asInt());
                assertThat(header(a.path("response"), "Content-Type")).as(key.apply(b)).isEqualTo(header(b.path("response"), "Content-Type"));
                assertThat(responseBytes(a)).as(key.apply(b)).isEqualTo(responseBytes(b));
            }
        }
    }

    @Test
    void oneStubSetServesSeveralHostsUnderTheirOwnNames() throws Exception {
        StubSet stubs = new StubGenerator(StubOptions.defaults()).fromHars(List.of(
                Path.of("src/test/resources/har/chrome-devtools.har"), Path.of("src/test/resources/har/mitmproxy.har")));
        try (ReplayServer replay = ReplayServer.start(stubs, ReplayOptions.defaults(), null)) {
            String ca = replay.caCertificate().toString();
            int https = replay.httpsPort();
            String cart = Recording.curl("--cacert", ca, "--connect-to", "shop.example.com:443:127.0.0.1:" + https, "https://shop.example.com/api/cart?currency=EUR");
            assertThat(cart).isEqualTo("{\"items\":[{\"sku\":\"A1\",\"qty\":2}],\"n\":1}");
            String token = Recording.curl("--cacert", ca, "--connect-to", "auth.example.org:8443:127.0.0.1:" + https,
                    "-d", "grant_type=client_credentials&scope=read", "https://auth.example.org:8443/oauth/token");
            assertThat(token).as("redacted in the stubs").contains("\"access_token\":\"REDACTED\"");
            // the same path on the wrong host is not a match
            String wrongHost = Recording.curl("--cacert", ca, "-o", "/dev/null", "-w", "%{http_code}", "--connect-to", "auth.example.org:443:127.0.0.1:" + https,
                    "https://auth.example.org/api/cart?currency=EUR");
            assertThat(wrongHost).isEqualTo("404");
            assertThat(replay.unmatched()).singleElement().satisfies(u -> assertThat(u.closest()).contains("shop.example.com/api/cart"));
        }
    }
}
