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

    /** No bound but the largest array: for bodies that were decoded, bounded, once already. */
    public static Decoded decode(byte[] body, String contentEncoding) {
        return decode(body, contentEncoding, Integer.MAX_VALUE - 8);
    }

    /**
     * Decodes, holding at most {@code maxDecoded} bytes at any stage: a body that decodes to more
     * (a gzip bomb: 10 MB on the wire, 10 GiB decoded) is left as it came in, with the reason.
     */
    public static Decoded decode(byte[] body, String contentEncoding, long maxDecoded) {
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
                data = decodeOne(data, coding, maxDecoded);
            } catch (TooBig e) {
                return new Decoded(body, false, "decoded body is over " + maxDecoded
                        + " bytes (--max-body): kept as sent (" + contentEncoding.trim() + ")");
            } catch (IOException | RuntimeException e) {
                return new Decoded(body, false, "cannot decode " + coding + " body: " + e.getMessage());
            }
            if (data == null) {
                return new Decoded(body, false, "unknown content coding " + coding);
            }
        }
        return new Decoded(data, true, null);
    }

    private static byte[] decodeOne(byte[] data, String coding, long max) throws IOException {
        return switch (coding) {
            case "gzip", "x-gzip" -> readAtMost(new GZIPInputStream(new ByteArrayInputStream(data)), max);
            case "deflate" -> inflate(data, max);
            case "br" -> readAtMost(new BrotliInputStream(new ByteArrayInputStream(data)), max);
            case "zstd" -> readAtMost(new ZstdInputStream(new ByteArrayInputStream(data)), max);
            default -> null;
        };
    }

    /** "deflate" means zlib-wrapped, but many servers send raw deflate: accept both. */
    private static byte[] inflate(byte[] data, long max) throws IOException {
        boolean zlib = data.length >= 2 && (data[0] & 0x0f) == 8 && ((data[0] & 0xff) << 8 | (data[1] & 0xff)) % 31 == 0;
        Inflater inflater = new Inflater(!zlib);
        try {
            return readAtMost(new InflaterInputStream(new ByteArrayInputStream(data), inflater), max);
        } finally {
            inflater.end(); // native memory: InflaterInputStream frees only the inflaters it made
        }
    }

    /** The whole stream, or TooBig as soon as it passes max (memory grows with what was read, never beyond max + 1). */
    private static byte[] readAtMost(InputStream in, long max) throws IOException {
        try (in) {
            byte[] b = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
            if (b.length > max) {
                throw new TooBig();
            }
            return b;
        }
    }

    /** Decoding passed the bound: stop, without a stack trace (it is an expected outcome). */
    private static final class TooBig extends IOException {
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
