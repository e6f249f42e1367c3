package io.recordtls.har;

import com.github.luben.zstd.ZstdInputStream;
import org.brotli.dec.BrotliInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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

    /** Whether this Content-Encoding asks for any decoding at all (identity does not). */
    public static boolean encoded(String contentEncoding) {
        return !codings(contentEncoding).isEmpty();
    }

    /**
     * Decodes as a stream into {@code out}, for a body too big to be held: memory stays that of
     * the decoders' buffers. Returns null when decoded, otherwise why not (then what was written
     * to {@code out} is a partial result for the caller to drop).
     */
    public static String decodeTo(InputStream body, String contentEncoding, OutputStream out, long maxDecoded) {
        List<String> codings = codings(contentEncoding);
        Collections.reverse(codings); // the last one applied is undone first
        List<Inflater> inflaters = new ArrayList<>();
        InputStream in = body;
        try {
            for (String coding : codings) {
                in = switch (coding) {
                    case "gzip", "x-gzip" -> new GZIPInputStream(in, 1 << 16);
                    case "deflate" -> {
                        java.io.BufferedInputStream peek = new java.io.BufferedInputStream(in, 1 << 16);
                        peek.mark(2);
                        int b0 = peek.read(), b1 = peek.read();
                        peek.reset();
                        boolean zlib = b1 >= 0 && (b0 & 0x0f) == 8 && (b0 << 8 | b1) % 31 == 0;
                        Inflater inflater = new Inflater(!zlib);
                        inflaters.add(inflater);
                        yield new InflaterInputStream(peek, inflater, 1 << 16);
                    }
                    case "br" -> new BrotliInputStream(in);
                    case "zstd" -> new ZstdInputStream(in);
                    default -> null;
                };
                if (in == null) {
                    return "unknown content coding " + coding;
                }
            }
            byte[] buf = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > maxDecoded) {
                    return "decoded body is over " + maxDecoded + " bytes (--max-body): kept as sent (" + contentEncoding.trim() + ")";
                }
                out.write(buf, 0, n);
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "cannot decode " + String.join(", ", codings) + " body: " + e.getMessage();
        } finally {
            if (in != null && in != body) {
                try {
                    in.close(); // zstd's and the inflaters' native memory
                } catch (IOException ignored) {
                    // nothing was written through it
                }
            }
            inflaters.forEach(Inflater::end); // native memory: InflaterInputStream frees only the inflaters it made
        }
    }

    private static List<String> codings(String contentEncoding) {
        List<String> codings = new ArrayList<>();
        if (contentEncoding != null) {
            for (String c : contentEncoding.split(",")) {
                String t = c.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty() && !t.equals("identity")) {
                    codings.add(t);
                }
            }
        }
        return codings;
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
