package io.recordtls.jvmprobe;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Hands plaintext to the recorder's eBPF programs: one {@code write(2)} of a framed record to
 * {@code /dev/null} per JSSE call (per 16 KiB of it). The kernel's {@code sys_enter_write}
 * tracepoint, which the recorder has attached anyway, reads the frame out of this process's
 * memory before the write happens, and only for processes in the recording's scope; /dev/null
 * then discards it. A syscall costs about 1.4 us where a uprobe trap costs about 21 us, and it
 * needs neither JNI nor FFM in the recorded JVM.
 *
 * <p>The layout is {@code struct rt_jvm_frame} in {@code bpf/src/main/c/recordtls.h}: change both
 * together. Little-endian, as the machines the eBPF programs run on.
 */
public final class FrameSink {
    static final int HEADER = 72;
    /** Payload bytes per frame: a TLS record's worth; longer calls go as several frames. */
    static final int MAX_PAYLOAD = 16 << 10;
    /** "RTLSJVM1" read as a little-endian u64. */
    static final long MAGIC = 0x314d564a534c5452L;
    static final int OP_IN = 1, OP_OUT = 2, OP_CLOSE = 3, OP_HELLO = 4;

    private static volatile FileOutputStream sink;
    private static final ThreadLocal<byte[]> FRAMES = ThreadLocal.withInitial(() -> new byte[HEADER + MAX_PAYLOAD]);

    private FrameSink() {}

    static synchronized void open() throws IOException {
        if (sink == null) {
            sink = new FileOutputStream("/dev/null");
        }
    }

    static void data(JsseConnection c, boolean out, long tsEnter, byte[] b, int off, int len) {
        byte[] frame = FRAMES.get();
        for (int done = 0; done < len; ) {
            int n = Math.min(MAX_PAYLOAD, len - done);
            header(frame, out ? OP_OUT : OP_IN, c, tsEnter, n);
            System.arraycopy(b, off + done, frame, HEADER, n);
            write(frame, HEADER + n);
            done += n;
        }
    }

    /**
     * The bytes an engine call moved: {@code total} of them, from where each buffer stood at
     * entry ({@code at[i + 1]}) up to its current position, buffer after buffer.
     */
    static void data(JsseConnection c, boolean out, long tsEnter, ByteBuffer[] buffers, int first, long[] at, long total) {
        byte[] frame = FRAMES.get();
        int fill = 0;
        long left = total;
        for (int i = 0; i + 1 < at.length && left > 0; i++) {
            ByteBuffer buf = buffers[first + i];
            int from = (int) at[i + 1];
            int avail = (int) Math.min(left, Math.max(0, buf.position() - from));
            while (avail > 0) {
                int n = Math.min(avail, MAX_PAYLOAD - fill);
                copy(buf, from, frame, HEADER + fill, n);
                fill += n;
                from += n;
                avail -= n;
                left -= n;
                if (fill == MAX_PAYLOAD) {
                    header(frame, out ? OP_OUT : OP_IN, c, tsEnter, fill);
                    write(frame, HEADER + fill);
                    fill = 0;
                }
            }
        }
        if (fill > 0) {
            header(frame, out ? OP_OUT : OP_IN, c, tsEnter, fill);
            write(frame, HEADER + fill);
        }
    }

    static void close(JsseConnection c) {
        byte[] frame = FRAMES.get();
        header(frame, OP_CLOSE, c, System.nanoTime(), 0);
        write(frame, HEADER);
    }

    /** Tells the recorder this JVM has the probe, and how it got it. */
    static void hello(String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(t.length, 200);
        byte[] frame = new byte[HEADER + n];
        header(frame, OP_HELLO, JsseConnection.NONE, System.nanoTime(), n);
        System.arraycopy(t, 0, frame, HEADER, n);
        write(frame, frame.length);
    }

    private static void copy(ByteBuffer buf, int from, byte[] dst, int at, int n) {
        if (buf.hasArray()) {
            System.arraycopy(buf.array(), buf.arrayOffset() + from, dst, at, n);
        } else { // direct or read-only: a view, so the caller's positions stay untouched
            ByteBuffer view = buf.duplicate();
            view.limit(from + n).position(from);
            view.get(dst, at, n);
        }
    }

    private static void header(byte[] f, int op, JsseConnection c, long tsEnter, int len) {
        putLong(f, 0, MAGIC);
        f[8] = (byte) op;
        f[9] = 1; // version
        System.arraycopy(c.addresses, 0, f, 10, 6); // family, local port, remote port
        putLong(f, 16, c.handle);
        putLong(f, 24, tsEnter);
        putInt(f, 32, len);
        putInt(f, 36, c.kind);
        System.arraycopy(c.addresses, 6, f, 40, 32); // local address, remote address
    }

    private static void write(byte[] frame, int len) {
        FileOutputStream s = sink;
        if (s == null) {
            return;
        }
        try {
            s.write(frame, 0, len);
        } catch (IOException e) {
            // nothing to count: the tracepoint reads the frame as write(2) enters, whatever it returns
        }
    }

    static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    static void putShort(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }
}
