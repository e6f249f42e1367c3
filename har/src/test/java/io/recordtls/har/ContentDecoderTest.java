package io.recordtls.har;

import com.github.luben.zstd.Zstd;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class ContentDecoderTest {
    private static final byte[] TEXT = "{\"a\":1,\"b\":[1,2,3]}".repeat(20).getBytes(StandardCharsets.UTF_8);

    @Test
    void gzip() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(TEXT);
        }
        assertThat(ContentDecoder.decode(b.toByteArray(), "gzip").bytes()).isEqualTo(TEXT);
    }

    @Test
    void deflateZlibWrappedAndRaw() throws IOException {
        for (boolean raw : new boolean[] {false, true}) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (DeflaterOutputStream d = new DeflaterOutputStream(b, new Deflater(6, raw))) {
                d.write(TEXT);
            }
            assertThat(ContentDecoder.decode(b.toByteArray(), "deflate").bytes()).as("raw=" + raw).isEqualTo(TEXT);
        }
    }

    @Test
    void zstd() {
        assertThat(ContentDecoder.decode(Zstd.compress(TEXT), "zstd").bytes()).isEqualTo(TEXT);
    }

    @Test
    void brotli() {
        // "hello" compressed by the reference brotli encoder (quality 11)
        byte[] br = {0x0b, 0x02, (byte) 0x80, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x03};
        assertThat(new String(ContentDecoder.decode(br, "br").bytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
    }

    @Test
    void stackedCodingsAreUndoneLastFirst() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(Zstd.compress(TEXT));
        }
        assertThat(ContentDecoder.decode(b.toByteArray(), "zstd, gzip").bytes()).isEqualTo(TEXT);
    }

    @Test
    void brokenBodyIsKeptAsSentWithTheReason() {
        ContentDecoder.Decoded d = ContentDecoder.decode(TEXT, "gzip");
        assertThat(d.decoded()).isFalse();
        assertThat(d.bytes()).isEqualTo(TEXT);
        assertThat(d.error()).contains("gzip");
    }
}
