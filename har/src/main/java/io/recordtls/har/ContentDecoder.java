package io.recordtls.har;

import com.github.luben.zstd.ZstdInputStream;
import org.brotli.dec.BrotliInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/** Undoes Content-Encoding (gzip, deflate, br, zstd, in any stack) so the HAR holds the real body. */
public final class ContentDecoder {
    /** The decoded bytes, or why they could not be decoded (then {@code bytes} is what came in). */
    public record Decoded(byte[] bytes, boolean decoded, String error) {}

    private ContentDecoder() {}

    public static Decoded decode(byte[] body, String contentEncoding) {
        if (contentEncoding == null || contentEncoding.isBlank() || body.length == 0) {
            return new Decoded(body, false, null);
        }
        List<String> codings = new ArrayList<>();
        for (String c : contentEncoding.split(",")) {
            String t = c.trim().toLowerCase(Locale.ROOT);
            if (!t.isEmpty() && !t.equals("identity")) {
                codings.add(t);
            }
        }
        if (codings.isEmpty()) {
            return new Decoded(body, false, null);
        }
        Collections.reverse(codings); // the last one applied is undone first
        byte[] data = body;
        for (String coding : codings) {
            try {
                data = decodeOne(data, coding);
            } catch (IOException | RuntimeException e) {
                return new Decoded(body, false, "cannot decode " + coding + " body: " + e.getMessage());
            }
            if (data == null) {
                return new Decoded(body, false, "unknown content coding " + coding);
            }
        }
        return new Decoded(data, true, null);
    }

    private static byte[] decodeOne(byte[] data, String coding) throws IOException {
        return switch (coding) {
            case "gzip", "x-gzip" -> readAll(new GZIPInputStream(new ByteArrayInputStream(data)));
            case "deflate" -> inflate(data);
            case "br" -> readAll(new BrotliInputStream(new ByteArrayInputStream(data)));
            case "zstd" -> readAll(new ZstdInputStream(new ByteArrayInputStream(data)));
            default -> null;
        };
    }

    /** "deflate" means zlib-wrapped, but many servers send raw deflate: accept both. */
    private static byte[] inflate(byte[] data) throws IOException {
        boolean zlib = data.length >= 2 && (data[0] & 0x0f) == 8 && ((data[0] & 0xff) << 8 | (data[1] & 0xff)) % 31 == 0;
        return readAll(new InflaterInputStream(new ByteArrayInputStream(data), new Inflater(!zlib)));
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }
}
