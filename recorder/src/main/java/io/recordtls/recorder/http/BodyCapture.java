package io.recordtls.recorder.http;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/** The body of one message as it came off the wire (after de-chunking), kept up to a cap. */
public final class BodyCapture {
    private final long cap;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long size;

    public BodyCapture(long cap) {
        this.cap = cap;
    }

    public void append(byte[] b, int off, int len) {
        long room = cap - kept.size();
        if (room > 0) {
            kept.write(b, off, (int) Math.min(room, len));
        }
        size += len;
    }

    /** The true size, kept or not. */
    public long size() {
        return size;
    }

    public boolean truncated() {
        return size > kept.size();
    }

    public byte[] bytes() {
        byte[] b = kept.toByteArray();
        return b.length == size ? b : Arrays.copyOf(b, b.length);
    }
}
