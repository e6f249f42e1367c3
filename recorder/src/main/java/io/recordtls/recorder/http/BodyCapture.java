package io.recordtls.recorder.http;

import java.util.Arrays;

/**
 * The body of one message as it came off the wire (after de-chunking), kept up to a cap. Grows
 * by half (not a ByteArrayOutputStream's doubling) and hands its array over when it fits
 * exactly: a 200 MiB body is not held two or three times over.
 */
public final class BodyCapture {
    private final long cap;
    private byte[] kept = new byte[0];
    private int length;
    private long size;

    public BodyCapture(long cap) {
        this.cap = cap;
    }

    public void append(byte[] b, int off, int len) {
        long room = Math.min(cap, Integer.MAX_VALUE - 8) - length;
        int n = (int) Math.min(Math.max(room, 0), len);
        if (n > 0) {
            if (length + n > kept.length) {
                long grown = Math.max(length + n, Math.max(256, kept.length + (kept.length >> 1)));
                kept = Arrays.copyOf(kept, (int) Math.min(grown, Math.min(cap, Integer.MAX_VALUE - 8)));
            }
            System.arraycopy(b, off, kept, length, n);
            length += n;
        }
        size += len;
    }

    /** The true size, kept or not. */
    public long size() {
        return size;
    }

    public boolean truncated() {
        return size > length;
    }

    public byte[] bytes() {
        if (kept.length != length) {
            kept = Arrays.copyOf(kept, length); // once: later calls get the same array
        }
        return kept;
    }
}
