package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.Recorder;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.RecordingSummary;
import io.recordtls.recorder.demo.DemoHttpsServer;
import io.recordtls.har.HarJson;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.recordtls.recorder.e2e.Recording.header;
import static io.recordtls.recorder.e2e.Recording.responseBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real kernel probes, real clients (curl, python3, node), a real HTTPS server on loopback:
 * the HAR must hold the exact bytes that went over the wire.
 */
class RecorderEndToEndTest extends DemoServerTestBase {
    @Test
    void oneShotCurlGetIsRecordedExactly() throws IOException {
        long before = System.currentTimeMillis();
        Recording rec = record("curl", "-sS", "--cacert", ca, base + "/json?page=2&size=3");
        JsonNode e = rec.only();
        assertThat(e.at("/request/method").asText()).isEqualTo("GET");
        assertThat(e.at("/request/url").asText()).isEqualTo(base + "/json?page=2&size=3");
        assertThat(e.at("/request/queryString/0/name").asText()).isEqualTo("page");
        assertThat(e.at("/request/queryString/1/value").asText()).isEqualTo("3");
        assertThat(header(e.path("request"), "User-Agent")).startsWith("curl/");
        assertThat(e.at("/response/status").asInt()).isEqualTo(200);
        assertThat(e.at("/response/content/mimeType").asText()).isEqualTo("application/json");
        assertThat(e.at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
        assertThat(e.at("/response/content/size").asLong()).isEqualTo(DemoHttpsServer.JSON.length());
        assertThat(e.at("/serverIPAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(e.at("/_process").asText()).isEqualTo("curl");
        assertThat(e.at("/_tlsLibrary").asText()).startsWith("libssl.so");
        assertThat(e.has("_incomplete")).isFalse();
        assertThat(e.at("/request").has("postData")).as("a GET has no postData").isFalse();
        assertThat(java.time.ZonedDateTime.parse(e.at("/startedDateTime").asText()).toInstant().toEpochMilli())
                .isBetween(before, System.currentTimeMillis());
        assertThat(e.at("/timings/wait").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(rec.summary().lossless()).isTrue();
        assertThat(rec.log().at("/capture/droppedEvents").asLong()).isZero();
        assertThat(rec.log().has("tlsNotDecoded")).as("a decoded connection is not reported unseen").isFalse();
    }

    @Test
    void theHarIsValidForAStrictHarReader() throws Exception {
        Recording rec = record("curl", "-sS", "--cacert", ca, "-H", "Content-Type: application/json", "-d", "{}", base + "/echo", base + "/bytes?n=10");
        de.sstoehr.harreader.model.Har har = new de.sstoehr.harreader.HarReader()
                .readFromFile(rec.har().toFile(), de.sstoehr.harreader.HarReaderMode.STRICT);
        assertThat(har.log().version()).isEqualTo("1.2");
        assertThat(har.log().creator().name()).isEqualTo("recordtls");
        assertThat(har.log().entries()).hasSize(2);
        assertThat(har.log().entries().getFirst().request().postData().text()).isEqualTo("{}");
    }

    @Test
    void ringBufferOverflowIsCountedReportedAndMarksTheEntry() throws IOException {
        int n = 8 << 20;
        // A one-page ring: no 16 KiB payload record can ever fit, so the kernel must drop them,
        // however fast the consumer is (headers and small records still get through).
        Recording rec = record(RecorderOptions.defaults().withRingBufferBytes(4096),
                r -> run(r, "curl", "-sS", "--cacert", ca, "-o", "/dev/null", base + "/bytes?n=" + n + "&seed=3"));
        RecordingSummary s = rec.summary();
        assertThat(s.kernel().droppedEvents()).isPositive();
        assertThat(s.lossless()).isFalse();
        assertThat(s.describe()).contains(s.kernel().droppedEvents() + " ring-buffer events dropped");
        assertThat(rec.log().at("/capture/droppedEvents").asLong()).isEqualTo(s.kernel().droppedEvents());
        assertThat(rec.log().at("/capture/droppedBytes").asLong()).isPositive();
        JsonNode e = rec.only();
        assertThat(e.at("/_incomplete").asBoolean()).isTrue();
        assertThat(e.at("/_lostBytes/response").asLong()).isPositive();
        assertThat(e.at("/response/content/size").asLong()).as("the hole keeps its size").isEqualTo(n);
        // every byte that did arrive is where it belongs
        byte[] got = responseBytes(e), want = DemoHttpsServer.bytes(n, 3);
        int same = 0;
        for (int i = 0; i < n; i++) {
            if (got[i] == want[i]) {
                same++;
            }
        }
        assertThat((long) n - same).isLessThanOrEqualTo(e.at("/_lostBytes/response").asLong());
    }

    @Test
    void keepAliveRequestsAreEntriesOnOneConnectionInOrder() throws IOException {
        Recording rec = record("curl", "-sS", "--cacert", ca, base + "/hello", base + "/json", base + "/nothing-here");
        List<JsonNode> entries = rec.entries();
        assertThat(entries).extracting(e -> e.at("/request/url").asText())
                .containsExactly(base + "/hello", base + "/json", base + "/nothing-here");
        assertThat(entries).extracting(e -> e.at("/response/status").asInt()).containsExactly(200, 200, 404);
        assertThat(entries).extracting(e -> e.path("connection").asText()).containsOnly(entries.getFirst().path("connection").asText());
        assertThat(entries.get(0).at("/response/content/text").asText()).isEqualTo("hello from recordtls demo\n");
    }

    @Test
    void postWithJsonBodyKeepsTheRequestBody() throws IOException {
        String json = "{\"name\":\"recordtls\",\"n\":[1,2,3],\"unicode\":\"h\u00e9llo\"}";
        Recording rec = record("curl", "-sS", "--cacert", ca, "-H", "Content-Type: application/json", "--data-binary", json, base + "/echo");
        JsonNode e = rec.only();
        assertThat(e.at("/request/method").asText()).isEqualTo("POST");
        assertThat(e.at("/request/postData/mimeType").asText()).isEqualTo("application/json");
        assertThat(e.at("/request/postData/text").asText()).isEqualTo(json);
        assertThat(e.at("/request/bodySize").asLong()).isEqualTo(json.getBytes(StandardCharsets.UTF_8).length);
        assertThat(e.at("/response/content/text").asText()).isEqualTo(json);
    }

    @Test
    void gzipResponseIsStoredDecodedAndTheHeaderStays() throws IOException {
        Recording rec = record("curl", "-sS", "--compressed", "--cacert", ca, "-o", "/dev/null", base + "/gzip");
        JsonNode e = rec.only();
        assertThat(header(e.path("response"), "Content-Encoding")).isEqualTo("gzip");
        String expected = DemoHttpsServer.JSON.repeat(50);
        assertThat(e.at("/response/content/text").asText()).isEqualTo(expected);
        assertThat(e.at("/response/content/size").asLong()).isEqualTo(expected.length());
        assertThat(e.at("/response/bodySize").asLong()).isLessThan(expected.length());
        assertThat(e.at("/response/content/compression").asLong())
                .isEqualTo(expected.length() - e.at("/response/bodySize").asLong());
    }

    @Test
    void chunkedResponseIsDechunked() throws IOException {
        Recording rec = record("curl", "-sS", "--cacert", ca, base + "/chunked");
        JsonNode e = rec.only();
        assertThat(header(e.path("response"), "Transfer-Encoding")).isEqualToIgnoringCase("chunked");
        assertThat(e.at("/response/content/text").asText()).isEqualTo("chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n");
    }

    @Test
    void tenMegabyteBinaryResponseIsByteExact() throws IOException {
        int n = 10 << 20;
        Recording rec = record("curl", "-sS", "--cacert", ca, "-o", "/dev/null", base + "/bytes?n=" + n + "&seed=5");
        JsonNode e = rec.only();
        assertThat(e.at("/response/content/encoding").asText()).isEqualTo("base64");
        assertThat(e.at("/response/content/size").asLong()).isEqualTo(n);
        assertThat(responseBytes(e)).isEqualTo(DemoHttpsServer.bytes(n, 5));
        assertThat(rec.summary().lossless()).isTrue();
    }

    @Test
    void twoConcurrentConnectionsOfOneProcessAreSeparate() throws IOException {
        String script = String.join("\n",
                "import ssl, threading, urllib.request",
                "ctx = ssl.create_default_context(cafile='" + ca + "')",
                "barrier = threading.Barrier(2)",
                "def get(seed):",
                "    barrier.wait()",
                "    urllib.request.urlopen('" + base + "/bytes?n=300000&seed=' + str(seed), context=ctx).read()",
                "ts = [threading.Thread(target=get, args=(s,)) for s in (11, 12)]",
                "[t.start() for t in ts]",
                "[t.join() for t in ts]");
        Recording rec = record("python3", "-c", script);
        List<JsonNode> entries = rec.entries();
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0).path("connection").asText()).isNotEqualTo(entries.get(1).path("connection").asText());
        for (JsonNode e : entries) {
            long seed = Long.parseLong(e.at("/request/url").asText().replaceAll(".*seed=", ""));
            assertThat(responseBytes(e)).as("seed " + seed).isEqualTo(DemoHttpsServer.bytes(300000, seed));
            assertThat(e.at("/_process").asText()).startsWith("python3");
        }
    }

    @Test
    void childStartedThroughShIsRecorded() throws IOException {
        Recording rec = record("sh", "-c", "curl -sS --cacert " + ca + " " + base + "/hello > /dev/null && echo done");
        JsonNode e = rec.only();
        assertThat(e.at("/_process").asText()).isEqualTo("curl");
        assertThat(e.at("/response/content/text").asText()).isEqualTo("hello from recordtls demo\n");
    }

    @Test
    void nodeWithItsStaticOpenSslIsRecorded() throws IOException {
        assumeTrue(Files.exists(Path.of("/usr/bin/node")) || System.getenv("CI") != null, "node is not installed");
        Recording rec = record("node", "-e", "const https=require('https'),fs=require('fs');"
                + "https.get('" + base + "/json',{ca:fs.readFileSync('" + ca + "')},r=>{r.resume();r.on('end',()=>{})})");
        JsonNode e = rec.only();
        assertThat(e.at("/_process").asText()).isEqualTo("node");
        assertThat(e.at("/_tlsLibrary").asText()).isEqualTo("node");
        assertThat(e.at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
    }

    @Test
    void nodeFetchWritingFromInsideAnSslReadCallbackIsCaptured() throws IOException {
        // undici sends the request from the handshake-done callback, which OpenSSL may run inside
        // SSL_read (when the TLS 1.3 session ticket arrives): an SSL_write nested in an SSL_read.
        String fetch = "const r = await fetch('" + base + "/json', { headers: { 'X-Run': process.argv[1] } }); await r.text();";
        Recording rec = record(RecorderOptions.defaults(), r -> {
            for (int i = 0; i < 4; i++) {
                try {
                    Process p = r.launch(List.of("node", "--input-type=module", "-e", fetch, "run" + i),
                            pb -> pb.environment().put("NODE_EXTRA_CA_CERTS", ca));
                    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                    assertThat(p.exitValue()).isZero();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        });
        assertThat(rec.entries()).hasSize(4).allSatisfy(e -> {
            assertThat(e.has("_incomplete")).isFalse();
            assertThat(e.at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
        });
        assertThat(rec.entries()).extracting(e -> header(e.path("request"), "X-Run")).containsExactly("run0", "run1", "run2", "run3");
    }

    @Test
    void pythonPostIsRecordedThroughTheExFunctions() throws IOException {
        Recording rec = record("python3", "-c", String.join("\n",
                "import ssl, urllib.request",
                "ctx = ssl.create_default_context(cafile='" + ca + "')",
                "req = urllib.request.Request('" + base + "/echo', data=b'a=1&b=two', headers={'Content-Type': 'application/x-www-form-urlencoded'})",
                "assert urllib.request.urlopen(req, context=ctx).read() == b'a=1&b=two'"));
        JsonNode e = rec.only();
        assertThat(e.at("/request/postData/params/1/name").asText()).isEqualTo("b");
        assertThat(e.at("/request/postData/params/1/value").asText()).isEqualTo("two");
        assertThat(e.at("/response/content/text").asText()).isEqualTo("a=1&b=two");
    }

    @Test
    void tlsStreamThatIsNotHttpIsSkippedWithANote() throws Exception {
        try (SSLServerSocket smtp = (SSLServerSocket) server.sslContext().getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread serverThread = Thread.ofPlatform().daemon().start(() -> {
                try (SSLSocket s = (SSLSocket) smtp.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write("220 mail.test ESMTP ready\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                    out.write("250 hello\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException ignored) {
                    // the test fails on the client side if this goes wrong
                }
            });
            Recording rec = record("python3", "-c", String.join("\n",
                    "import socket, ssl",
                    "ctx = ssl.create_default_context(cafile='" + ca + "')",
                    "s = ctx.wrap_socket(socket.create_connection(('localhost', " + smtp.getLocalPort() + ")), server_hostname='localhost')",
                    "assert s.recv(100).startswith(b'220')",
                    "s.sendall(b'EHLO client\\r\\n')",
                    "assert s.recv(100).startswith(b'250')",
                    "s.close()"));
            serverThread.join(5000);
            assertThat(rec.entries()).isEmpty();
            assertThat(rec.summary().nonHttpConnections()).isEqualTo(1);
            JsonNode skipped = rec.log().path("skippedConnections").path(0);
            assertThat(skipped.path("reason").asText()).contains("not HTTP").contains("220 mail.test");
            assertThat(skipped.path("bytes").asLong()).isEqualTo(27 + 13 + 11);
        }
    }

    @Test
    void processKilledMidResponseLeavesAnIncompleteEntryWithWhatArrived() throws Exception {
        int n = 400_000;
        Recording rec = record(RecorderOptions.defaults(), r -> {
            Process p = r.launch(List.of("curl", "-sS", "--cacert", ca, "-o", "/dev/null", base + "/slow?n=" + n),
                    ProcessBuilder.Redirect.DISCARD);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (r.kernelStats().bytes() < n / 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        JsonNode e = rec.only();
        assertThat(e.at("/_incomplete").asBoolean()).isTrue();
        assertThat(e.at("/_notes").toString()).contains("response cut short").contains("exited");
        assertThat(e.at("/response/status").asInt()).isEqualTo(200);
        assertThat(responseBytes(e)).isEqualTo(Arrays.copyOf(DemoHttpsServer.bytes(n, 7), n / 2));
        assertThat(rec.summary().incompleteEntries()).isEqualTo(1);
    }

    @Test
    void credentialsAreRedactedByDefault() throws IOException {
        Recording rec = record("curl", "-sS", "--cacert", ca, "-H", "Authorization: Bearer top-secret-token",
                "-H", "Cookie: sid=cookie-secret; theme=dark", "-H", "X-Custom-Key: custom-secret", base + "/cookie");
        JsonNode e = rec.only();
        assertThat(header(e.path("request"), "Authorization")).isEqualTo("REDACTED");
        assertThat(header(e.path("request"), "Cookie")).isEqualTo("REDACTED");
        assertThat(e.at("/request/cookies/0/name").asText()).isEqualTo("sid");
        assertThat(e.at("/request/cookies/0/value").asText()).isEqualTo("REDACTED");
        assertThat(header(e.path("response"), "Set-Cookie")).isEqualTo("REDACTED");
        assertThat(e.at("/response/cookies/0/name").asText()).isEqualTo("session");
        assertThat(rec.text()).doesNotContain("top-secret-token").doesNotContain("cookie-secret").doesNotContain("s3cr3t-session");
        assertThat(header(e.path("request"), "X-Custom-Key")).as("only configured headers are redacted").isEqualTo("custom-secret");
        assertThat(rec.log().at("/redaction/enabled").asBoolean()).isTrue();
        assertThat(rec.log().at("/redaction/redactedValues").asLong()).as("3 headers, 2 command-line arguments").isEqualTo(5);
        assertThat(rec.log().at("/commands/0").asText()).contains("'Authorization: REDACTED'").contains("X-Custom-Key: custom-secret");
    }

    /** Credentials outside the well-known headers: in query strings, JSON and form bodies, token headers, redirects, curl options. */
    @Test
    void tokensInUrlsBodiesAndCommandLinesAreRedacted() throws IOException {
        Recording rec = record(RecorderOptions.defaults(), r -> {
            run(r, "curl", "-sS", "--cacert", ca, "-H", "X-Session-Token: s3ss-hush", "-H", "Api-Token: ap1-hush",
                    "--oauth2-bearer", "b3arer-hush", "-H", "Content-Type: application/json",
                    "-d", "{\"user\":\"me\",\"password\":\"pa55-hush\",\"refreshToken\":\"r3fresh-hush\"}",
                    base + "/echo?api_key=k3y-hush&page=2");
            run(r, "curl", "-sS", "--cacert", ca, "-d", "username=me&password=f0rm-hush", "-b", "sid=c00kie-hush", base + "/echo");
            run(r, "curl", "-sS", "--cacert", ca, base + "/redirect?code=c0de-hush&state=s1");
        });
        assertThat(rec.text()).doesNotContain("-hush");
        JsonNode echo = rec.entries().get(0);
        assertThat(echo.at("/request/url").asText()).endsWith("/echo?api_key=REDACTED&page=2");
        assertThat(echo.at("/request/postData/text").asText()).isEqualTo("{\"user\":\"me\",\"password\":\"REDACTED\",\"refreshToken\":\"REDACTED\"}");
        assertThat(echo.at("/response/content/text").asText()).as("the echoed tokens too").contains("\"password\":\"REDACTED\"");
        assertThat(rec.entries().get(1).at("/request/postData/text").asText()).isEqualTo("username=me&password=REDACTED");
        JsonNode redirect = rec.entries().get(2);
        assertThat(redirect.at("/response/redirectURL").asText()).isEqualTo("https://app.test/cb?code=REDACTED&state=s1");
        assertThat(header(redirect.path("response"), "Location")).isEqualTo("https://app.test/cb?code=REDACTED&state=s1");
        JsonNode redacted = rec.log().at("/redaction/redacted");
        assertThat(redacted.path("header:x-session-token").asLong()).isEqualTo(1);
        assertThat(redacted.path("header:api-token").asLong()).isEqualTo(1);
        assertThat(redacted.path("query:api_key").asLong()).isEqualTo(1);
        assertThat(redacted.path("json:$.password").asLong()).as("request and echoed response").isEqualTo(2);
        assertThat(redacted.path("form:password").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(redacted.path("query:code").asLong()).as("the request's URL, Location and redirectURL").isEqualTo(3);
        assertThat(redacted.path("commandLine").asLong()).isPositive();
    }

    @Test
    void redactionIsConfigurable() throws IOException {
        String[] curl = {"curl", "-sS", "--cacert", ca, "-H", "Authorization: Bearer visible-token", "-H", "X-Custom-Key: custom-secret", base + "/hello"};
        Recording extra = record(RecorderOptions.defaults().withRedaction(true, Set.of("X-Custom-Key")), r -> run(r, curl));
        assertThat(extra.text()).doesNotContain("custom-secret").doesNotContain("visible-token");
        Recording off = record(RecorderOptions.defaults().withRedaction(false, Set.of()), r -> run(r, curl));
        assertThat(header(off.only().path("request"), "Authorization")).isEqualTo("Bearer visible-token");
        assertThat(off.log().at("/redaction/enabled").asBoolean()).isFalse();
    }

    @Test
    void bodiesOverMaxBodyAreTruncatedWithTheirTrueSize() throws IOException {
        int n = 3 << 20;
        Recording rec = record(RecorderOptions.defaults().withMaxBody(1 << 20),
                r -> run(r, "curl", "-sS", "--cacert", ca, "-o", "/dev/null", base + "/bytes?n=" + n + "&seed=9"));
        JsonNode e = rec.only();
        assertThat(e.at("/response/content/_truncated/size").asLong()).isEqualTo(n);
        assertThat(e.at("/response/content/_truncated/kept").asLong()).isEqualTo(1 << 20);
        assertThat(responseBytes(e)).isEqualTo(Arrays.copyOf(DemoHttpsServer.bytes(n, 9), 1 << 20));
        assertThat(rec.summary().truncatedEntries()).isEqualTo(1);
        assertThat(rec.summary().lossless()).as("bytes over --max-body are not losses").isTrue();
    }

    /**
     * The rest of a body past --max-body is counted in the kernel, not copied through the ring
     * (its Content-Length tells where it ends), and the next exchange on the same keep-alive
     * connection is still decoded whole: the skip stops short of the body's end. (The download is
     * held to 100 MB/s so that a loaded machine's recorder reads the headers before most of the
     * body went by: the kernel skips from wherever it is when it is told.)
     */
    @Test
    void theTailOfABodyPastMaxBodyDoesNotCrossTheRingBuffer() throws IOException {
        int n = 64 << 20;
        Recording rec = record(RecorderOptions.defaults().withMaxBody(1 << 20),
                r -> run(r, "curl", "-sS", "--cacert", ca, "--limit-rate", "100M", "-o", "/dev/null", base + "/json",
                        "-o", "/dev/null", base + "/bytes?n=" + n + "&seed=4",
                        "-o", "/dev/null", base + "/json"));
        List<JsonNode> entries = rec.entries();
        assertThat(entries).hasSize(3);
        assertThat(entries).extracting(e -> e.path("connection").asText()).containsOnly(entries.get(0).path("connection").asText());
        JsonNode big = entries.get(1);
        assertThat(big.has("_incomplete")).as("%s", big.path("_notes")).isFalse();
        assertThat(big.at("/response/content/_truncated/size").asLong()).isEqualTo(n);
        assertThat(big.at("/response/content/_truncated/kept").asLong()).isEqualTo(1 << 20);
        assertThat(responseBytes(big)).isEqualTo(Arrays.copyOf(DemoHttpsServer.bytes(n, 4), 1 << 20));
        assertThat(entries.get(2).at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
        assertThat(rec.summary().lossless()).isTrue();

        JsonNode capture = rec.log().path("capture");
        assertThat(capture.path("bytesOverMaxBody").asLong()).as("not copied on purpose, at most the body's bytes past the cap: %s", capture)
                .isGreaterThan(n / 2).isLessThanOrEqualTo(n - (1L << 20));
        assertThat(capture.path("ringBufferEvents").asLong()).as("records through the ring (one per 16 KiB read when copied)")
                .isLessThan((n >> 14) / 2);
    }

    @Test
    void processesOutsideTheScopeAreNotRecorded() throws Exception {
        Process outside = new ProcessBuilder("sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do curl -sS --cacert " + ca + " "
                + base + "/hello?outside=$i > /dev/null; sleep 0.05; done").start();
        Recording rec = record("sh", "-c", "sleep 0.1; curl -sS --cacert " + ca + " " + base + "/hello?inside=1 > /dev/null");
        outside.waitFor(30, TimeUnit.SECONDS);
        assertThat(rec.entries()).extracting(e -> e.at("/request/url").asText()).containsExactly(base + "/hello?inside=1");
    }

    @Test
    void aRunningProcessAndItsChildrenAreRecordedFromThenOn() throws Exception {
        // A shell started outside the recorder, waiting for a line before it runs curl twice.
        Process shell = new ProcessBuilder("sh", "-c", "read go; curl -sS --cacert " + ca + " " + base + "/hello?n=1 > /dev/null;"
                + " (curl -sS --cacert " + ca + " " + base + "/json?n=2 > /dev/null)").start();
        Recording rec = record(RecorderOptions.defaults(), r -> {
            r.addProcess(shell.pid());
            try (OutputStream in = shell.getOutputStream()) {
                in.write("go\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            try {
                assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        List<String> urls = new ArrayList<>();
        rec.entries().forEach(e -> urls.add(e.at("/request/url").asText()));
        assertThat(urls).containsExactly(base + "/hello?n=1", base + "/json?n=2");
    }
}
