package io.recordtls.recorder.har;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.har.HarJson;
import io.recordtls.har.Redactor;
import io.recordtls.recorder.http.BodyCapture;
import io.recordtls.recorder.http.ConnectionInfo;
import io.recordtls.recorder.http.Exchange;
import io.recordtls.recorder.http.HttpConnection;
import io.recordtls.recorder.stream.DirectionStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bodies bigger than what is held in memory go through the spool and the streamed HAR writer:
 * the HAR must hold the same bytes, decoded and redacted, as a small body's entry would.
 */
class BigBodiesTest {
    private static final int BIG = BodyCapture.MEMORY_LIMIT + 12345;

    @TempDir
    Path tmp;

    private final List<Exchange> exchanges = new ArrayList<>();
    private final ConnectionInfo info = new ConnectionInfo(1, 42, "curl", null, "libssl.so.3",
            new InetSocketAddress("127.0.0.1", 50000), new InetSocketAddress("127.0.0.1", 8443), true);
    private final HttpConnection conn = new HttpConnection(() -> info, 64 << 20, exchanges::add);
    private final DirectionStream out = new DirectionStream(conn.out, Long.MAX_VALUE);
    private final DirectionStream in = new DirectionStream(conn.in, Long.MAX_VALUE);
    private long outOff, inOff, ts = 1_000_000;

    private void send(byte[] b) {
        out.accept(outOff, b.length, 0, b, ts++, ts++);
        outOff += b.length;
    }

    /** As SSL_read returns it: 16 KiB records. */
    private void receive(byte[] b) {
        for (int at = 0; at < b.length; at += 16384) {
            byte[] part = java.util.Arrays.copyOfRange(b, at, Math.min(b.length, at + 16384));
            in.accept(inOff, part.length, 0, part, ts++, ts++);
            inOff += part.length;
        }
    }

    private void exchange(String path, String responseHeaders, byte[] body) {
        send(("GET " + path + " HTTP/1.1\r\nHost: api.test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        receive(("HTTP/1.1 200 OK\r\n" + responseHeaders + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        receive(body);
    }

    private List<JsonNode> recordAndRead() throws Exception {
        conn.end("closed");
        HarEntryFactory factory = new HarEntryFactory(new MonotonicClock(), new Redactor(true, Redactor.Rules.defaults()), 64 << 20);
        Path har = tmp.resolve("big.har");
        try (HarFileWriter w = new HarFileWriter()) {
            for (Exchange x : exchanges) {
                var entry = factory.entry(x);
                w.add(x.request().tsStart, entry);
                HarEntryFactory.release(entry);
                x.response().body.close();
            }
            w.writeTo(har, "test", null, Map.of("_recordtls", Map.of("k", 1)));
        }
        List<JsonNode> entries = new ArrayList<>();
        HarJson.mapper().readTree(har.toFile()).at("/log/entries").forEach(entries::add);
        return entries;
    }

    @Test
    void aBinaryBodyBiggerThanMemoryIsBase64InTheHarByteForByte() throws Exception {
        byte[] body = new byte[BIG];
        new Random(3).nextBytes(body);
        exchange("/bin", "Content-Type: application/octet-stream\r\n", body);
        exchange("/small", "Content-Type: text/plain\r\n", "after".getBytes(StandardCharsets.US_ASCII));

        List<JsonNode> entries = recordAndRead();
        JsonNode content = entries.get(0).at("/response/content");
        assertThat(content.path("encoding").asText()).isEqualTo("base64");
        assertThat(content.path("size").asLong()).isEqualTo(BIG);
        assertThat(Base64.getDecoder().decode(content.path("text").asText())).isEqualTo(body);
        assertThat(entries.get(1).at("/response/content/text").asText()).isEqualTo("after");
    }

    @Test
    void aBigGzipJsonBodyIsDecodedAndItsCredentialsRedactedAsAStream() throws Exception {
        StringBuilder json = new StringBuilder("{\"items\":[");
        for (int i = 0; json.length() < BIG; i++) {
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"price\":12.25,\"name\":\"item ").append(i).append("\"}");
        }
        json.append("],\"auth\":{\"password\":\"hunter2\",\"user\":\"ann\"}}");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(json.toString().getBytes(StandardCharsets.UTF_8));
        }
        exchange("/json", "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", gz.toByteArray());

        JsonNode content = recordAndRead().getFirst().at("/response/content");
        String expected = new Redactor(true, Redactor.Rules.defaults()).body(json.toString(), "application/json");
        assertThat(expected).as("the tree redactor masks it").contains("\"password\":\"REDACTED\"");
        assertThat(content.path("text").asText().equals(expected)).as("the same text as the tree redactor makes").isTrue();
        assertThat(content.has("encoding")).isFalse();
        assertThat(content.path("size").asLong()).as("the decoded size, as received").isEqualTo(json.length());
        assertThat(content.path("compression").asLong()).isEqualTo(json.length() - gz.size());
    }

    @Test
    void aBigTextBodyWithNothingToRedactIsKeptAsSent() throws Exception {
        String text = "line of text, unicode \u00e9\u4e2d\n".repeat(BIG / 30);
        exchange("/text", "Content-Type: text/plain; charset=utf-8\r\n", text.getBytes(StandardCharsets.UTF_8));

        JsonNode content = recordAndRead().getFirst().at("/response/content");
        assertThat(content.has("encoding")).isFalse();
        assertThat(content.path("text").asText().equals(text)).as("the text as sent").isTrue();
    }
}
