package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.demo.DemoHttpsServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;

import static io.recordtls.recorder.e2e.Recording.responseBytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * NSS as Debian ships it: tstclnt (libnss3-tools), whose TLS goes through NSPR's PR_Write/PR_Recv
 * on an SSL layer of NSS's libssl3. The HAR holds the exact bytes, with addresses, and names NSS.
 */
class NssEndToEndTest extends DemoServerTestBase {
    /**
     * tstclnt sending the request in {@code request} as it is. -D: no certificate database; -o:
     * accept the test server's certificate all the same; -A: the request from a file (with stdin at
     * EOF, tstclnt can spin on it after the server has closed).
     */
    private Recording tstclnt(byte[] request) throws IOException {
        Path file = tmp.resolve("request.bin");
        Files.write(file, request);
        return record("tstclnt", "-h", "127.0.0.1", "-p", Integer.toString(server.port()), "-D", "-o", "-A", file.toString());
    }

    private static void assertNss(Recording rec, JsonNode e) {
        assertThat(e.at("/_process").asText()).isEqualTo("tstclnt");
        assertThat(e.at("/_tlsLibrary").asText()).isEqualTo("libnspr4.so (NSS)");
        assertThat(e.at("/serverIPAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(e.at("/connection").asText()).isNotEmpty();
        assertThat(e.has("_incomplete")).as("incomplete: %s", e.path("_incomplete")).isFalse();
        // the stacks this run's connections went through: NSS only, though the system libssl is probed too
        assertThat(rec.log().path("tlsLibraries")).hasSize(1);
        assertThat(rec.log().path("tlsLibraries").get(0).asText()).isEqualTo("libnspr4.so (NSS)");
        assertThat(rec.log().has("tlsNotDecoded")).as("the connection was decoded: %s", rec.log().path("tlsNotDecoded")).isFalse();
        assertThat(rec.summary().lossless()).isTrue();
        assertThat(rec.summary().describe()).contains("recorded 1 exchange on 1 connection").doesNotContain("no probe decoded");
    }

    @Test
    void tstclntGetOfABinaryBodyIsRecordedByteExact() throws IOException {
        Recording rec = tstclnt(("GET /bytes?n=300000&seed=17 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: tstclnt\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        JsonNode e = rec.only();
        assertThat(e.at("/request/method").asText()).isEqualTo("GET");
        assertThat(e.at("/request/url").asText()).isEqualTo("https://127.0.0.1/bytes?n=300000&seed=17"); // as the Host header says
        assertThat(e.at("/response/status").asInt()).isEqualTo(200);
        assertThat(responseBytes(e)).hasSize(300_000).isEqualTo(DemoHttpsServer.bytes(300_000, 17));
        assertNss(rec, e);
    }

    @Test
    void tstclntPostWithABinaryBodyIsRecordedByteExact() throws IOException {
        byte[] upload = new byte[200_000];
        new Random(23).nextBytes(upload);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + upload.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(upload);
        Recording rec = tstclnt(request.toByteArray());
        JsonNode e = rec.only();
        assertThat(e.at("/request/method").asText()).isEqualTo("POST");
        JsonNode post = e.at("/request/postData");
        assertThat(post.path("_encoding").asText()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(post.path("text").asText())).isEqualTo(upload);
        assertThat(e.at("/response/status").asInt()).isEqualTo(200);
        assertThat(responseBytes(e)).isEqualTo(upload); // /echo sends it back
        assertNss(rec, e);
    }

    /** A tstclnt that was running (connected, waiting for its request on stdin) before the recording: --pid's path. */
    @Test
    void aRunningTstclntIsRecordedByPid() throws Exception {
        Path out = tmp.resolve("tstclnt.out");
        Process p = new ProcessBuilder("tstclnt", "-h", "127.0.0.1", "-p", Integer.toString(server.port()), "-D", "-o")
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Recording rec = record(io.recordtls.recorder.RecorderOptions.defaults(), r -> {
                r.addProcess(p.pid());
                try (var stdin = p.getOutputStream()) {
                    stdin.write(("GET /bytes?n=100000&seed=29 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
                try { // until it has printed the whole body (with stdin at EOF it may not end by itself)
                    while (p.isAlive() && out.toFile().length() < 100_000 && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            JsonNode e = rec.only();
            assertThat(e.at("/request/url").asText()).isEqualTo("https://127.0.0.1/bytes?n=100000&seed=29");
            assertThat(responseBytes(e)).isEqualTo(DemoHttpsServer.bytes(100_000, 29));
            assertNss(rec, e);
        } finally {
            p.destroyForcibly();
        }
    }
}
