package io.recordtls.recorder.http;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** What Http1FuzzTest and Http2FuzzTest found, as readable regression tests (their inputs stay in the seed corpus too). */
class FuzzFindingsTest {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private static byte[] frame(int type, int flags, int stream, byte[] payload) {
        return ByteBuffer.allocate(9 + payload.length).put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8))
                .put((byte) payload.length).put((byte) type).put((byte) flags).putInt(stream).put(payload).array();
    }

    /** An HPACK literal header field without indexing, new name, no Huffman coding. */
    private static void literal(ByteArrayOutputStream out, String name, String value) {
        out.write(0);
        out.write(name.length());
        out.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
        out.write(value.length());
        out.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A request without :path made HarEntryFactory throw a NullPointerException (and lose the exchange). */
    @Test
    void anHttp2RequestWithoutPathStillBecomesAnEntry() {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        literal(request, ":method", "GET");
        literal(request, ":scheme", "https");
        literal(request, ":authority", "a.test");
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        literal(response, ":status", "204");
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        input.writeBytes(frame(4, 0, 0, new byte[0]));
        input.writeBytes(frame(1, 5, 1, request.toByteArray()));
        input.writeBytes(HttpFuzzing.SEPARATOR);
        input.writeBytes(frame(4, 0, 0, new byte[0]));
        input.writeBytes(frame(1, 5, 1, response.toByteArray()));
        assertThat(HttpFuzzing.run(PREFACE, input.toByteArray())).singleElement().satisfies(e -> {
            assertThat(e.request().url()).isEqualTo("https://a.test/");
            assertThat(e.response().status()).isEqualTo(204);
        });
    }
}
