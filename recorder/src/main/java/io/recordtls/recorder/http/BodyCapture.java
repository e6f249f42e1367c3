package io.recordtls.recorder.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The body of one message as it came off the wire (after de-chunking), kept up to a cap. Small
 * bodies stay in memory; past {@link #MEMORY_LIMIT} the body goes to a spool file of its own
 * (created 0600 with a random name, unlinked at once: nothing is left behind however the
 * recorder ends), so a 200 MiB body costs the heap nothing and is read back as a stream.
 */
public final class BodyCapture implements AutoCloseable {
    /** Bodies up to this size are held as one array; bigger ones are spooled. */
    public static final int MEMORY_LIMIT = 4 << 20;

    private final long cap;
    private byte[] kept = new byte[0];
    private int length;          // bytes in {@code kept}
    private FileChannel spool;   // once the body outgrew memory: every kept byte is here
    private long spooled;
    private long size;
    private boolean holed; // bytes were skipped: what follows is not kept (the body would have a hole)
    private long declared = -1; // Content-Length, when the message has one

    public BodyCapture(long cap) {
        this.cap = cap;
    }

    /**
     * The length the message declares (Content-Length): the array grows to it and no further, so
     * that a whole body ends in an array of its size, which {@link #bytes} hands out as it is.
     * Room is made as bytes arrive, at most 8 times ahead of them: a declared length alone is not
     * trusted for memory.
     */
    public void expect(long declaredLength) {
        declared = declaredLength;
    }

    public void append(byte[] b, int off, int len) {
        append(ByteBuffer.wrap(b, off, len));
    }

    /** Appends what {@code data} holds from its position (which is left where it was). */
    public void append(ByteBuffer data) {
        int len = data.remaining();
        long room = holed ? 0 : cap - kept();
        int n = (int) Math.min(Math.max(room, 0), len);
        if (n > 0) {
            ByteBuffer part = data.duplicate();
            part.limit(part.position() + n);
            if (spool == null && length + n > MEMORY_LIMIT) {
                startSpool();
            }
            if (spool != null) {
                write(part);
            } else {
                if (length + n > kept.length) {
                    // doubling: a body read in 16 KiB calls is copied a few times, not seventeen
                    long grown = Math.max(length + n, Math.max(256, 2L * kept.length));
                    if (declared >= length + n) {
                        // straight to the declared length when it is at most 8 times what came:
                        // one array, no copy; never far ahead of the bytes
                        grown = declared <= 8L * (length + n) ? declared : Math.min(grown, declared);
                    }
                    kept = Arrays.copyOf(kept, (int) Math.min(grown, Math.min(cap, MEMORY_LIMIT)));
                }
                part.get(kept, length, n);
                length += n;
            }
        }
        size += len;
    }

    private void startSpool() {
        try {
            Path path = Files.createTempFile("recordtls-body-", ".spool");
            try {
                spool = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } finally {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("create body spool file", e);
        }
        write(ByteBuffer.wrap(kept, 0, length));
        kept = new byte[0];
        length = 0;
    }

    private void write(ByteBuffer part) {
        try {
            while (part.hasRemaining()) {
                spooled += spool.write(part, spooled);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("write body spool file", e);
        }
    }

    /**
     * Bytes of the body that passed without being seen (not copied on purpose): counted in the
     * size, never stood in for; the kept bytes stay the prefix before them.
     */
    public void skip(long n) {
        size += n;
        holed = true;
    }

    /** Appends what is written to it (a decoder's or a redactor's output). */
    public java.io.OutputStream sink() {
        return new java.io.OutputStream() {
            @Override
            public void write(int b) {
                append(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                append(b, off, len);
            }
        };
    }

    /** The true size, kept or not. */
    public long size() {
        return size;
    }

    /** How many bytes are kept (at most the cap). */
    public long kept() {
        return spool != null ? spooled : length;
    }

    public boolean truncated() {
        return size > kept();
    }

    /** Whether the kept bytes are in memory ({@link #bytes()} can be had without reading a file). */
    public boolean inMemory() {
        return spool == null;
    }

    /** The kept bytes as one array: only for a body held in memory. */
    public byte[] bytes() {
        if (spool != null) {
            try (InputStream in = open()) {
                return in.readAllBytes(); // for tests and small callers: the big path streams
            } catch (IOException e) {
                throw new UncheckedIOException("read body spool file", e);
            }
        }
        if (kept.length != length) {
            kept = Arrays.copyOf(kept, length); // once: later calls get the same array
        }
        return kept;
    }

    /** The kept bytes as a stream, as many times as needed (each reader has its own position). */
    public InputStream open() {
        if (spool == null) {
            return new java.io.ByteArrayInputStream(kept, 0, length);
        }
        FileChannel ch = spool;
        long end = spooled;
        return new InputStream() {
            private long pos;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= end) {
                    return -1;
                }
                int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
                if (n > 0) {
                    pos += n;
                }
                return n;
            }
        };
    }

    /** Frees the spool file (a body in memory has nothing to free). */
    @Override
    public void close() {
        if (spool != null) {
            try {
                spool.close();
            } catch (IOException e) {
                throw new UncheckedIOException("close body spool file", e);
            }
        }
    }
}
