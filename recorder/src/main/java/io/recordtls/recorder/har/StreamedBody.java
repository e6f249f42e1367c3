package io.recordtls.recorder.har;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonGenerator;
import io.recordtls.recorder.http.BodyCapture;

import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A body too big to become a String in a HAR entry (a 200 MiB download as base64 would be a
 * 270 M character String, and Jackson's char[] of it again): the entry holds a marker in its
 * place, and {@link HarFileWriter} writes the body from its spool file as a stream, base64
 * encoded or as text.
 */
public final class StreamedBody {
    /**
     * Random per recorder: a recorded body cannot spell another entry's marker (it would pull
     * that body in).
     */
    private static final String PREFIX = "\u0000recordtls-body-" + HexFormat.of().formatHex(SecureRandom.getSeed(16)) + ":";
    private static final Map<String, StreamedBody> LIVE = new ConcurrentHashMap<>();
    private static final AtomicLong IDS = new AtomicLong();

    private final String marker = PREFIX + IDS.incrementAndGet();
    private final BodyCapture bytes;
    private final Charset charset; // null: base64
    private final boolean owned;

    private StreamedBody(BodyCapture bytes, Charset charset, boolean owned) {
        this.bytes = bytes;
        this.charset = charset;
        this.owned = owned;
        LIVE.put(marker, this);
    }

    /** {@code owned}: the capture was made for the HAR (decoded, redacted) and is closed with this. */
    static StreamedBody base64(BodyCapture bytes, boolean owned) {
        return new StreamedBody(bytes, null, owned);
    }

    static StreamedBody text(BodyCapture bytes, Charset charset, boolean owned) {
        return new StreamedBody(bytes, charset, owned);
    }

    /** What the entry holds in place of the body. */
    String marker() {
        return marker;
    }

    /** The streamed body a string in an entry stands for, or null for an ordinary string. */
    static StreamedBody of(String text) {
        return text != null && text.startsWith(PREFIX) ? LIVE.get(text) : null;
    }

    void writeTo(JsonGenerator gen) throws IOException {
        if (charset == null) {
            gen.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, bytes.open(), -1);
        } else {
            gen.writeString(new InputStreamReader(bytes.open(), charset), -1);
        }
    }

    /** The entry has been written everywhere it goes: its marker stands for nothing now. */
    public static void release(String text) {
        StreamedBody b = of(text);
        if (b != null) {
            LIVE.remove(b.marker);
            if (b.owned) {
                b.bytes.close();
            }
        }
    }
}
