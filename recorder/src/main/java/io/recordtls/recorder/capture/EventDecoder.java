package io.recordtls.recorder.capture;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static io.recordtls.recorder.capture.EventLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/** Turns ring-buffer records into {@link CaptureEvent}s, copying what must outlive the record. */
final class EventDecoder {
    private EventDecoder() {}

    static CaptureEvent decode(MemorySegment r) {
        int type = r.get(JAVA_INT_UNALIGNED, TYPE);
        int pid = r.get(JAVA_INT_UNALIGNED, TGID);
        return switch (type) {
            case EV_DATA -> {
                int len = r.get(JAVA_INT_UNALIGNED, DATA_CHUNK_LEN);
                byte[] payload = new byte[len];
                MemorySegment.copy(r, JAVA_BYTE, DATA_PAYLOAD, payload, 0, len);
                yield new CaptureEvent.Data(pid, r.get(JAVA_INT_UNALIGNED, DATA_TID), r.get(JAVA_INT_UNALIGNED, DATA_FD),
                        r.get(JAVA_LONG_UNALIGNED, DATA_CONN_ID),
                        r.get(JAVA_BYTE, DATA_DIR) == 1 ? CaptureEvent.Direction.OUT : CaptureEvent.Direction.IN,
                        Short.toUnsignedInt(r.get(JAVA_SHORT_UNALIGNED, DATA_LIB_ID)),
                        r.get(JAVA_LONG_UNALIGNED, DATA_TS_ENTER), r.get(JAVA_LONG_UNALIGNED, DATA_TS_EXIT),
                        r.get(JAVA_LONG_UNALIGNED, DATA_STREAM_OFF),
                        Integer.toUnsignedLong(r.get(JAVA_INT_UNALIGNED, DATA_CALL_LEN)),
                        r.get(JAVA_INT_UNALIGNED, DATA_CHUNK_OFF), payload);
            }
            case EV_CONN -> {
                int family = Short.toUnsignedInt(r.get(JAVA_SHORT_UNALIGNED, CONN_FAMILY));
                InetSocketAddress local = address(r, family, CONN_SADDR, r.get(JAVA_SHORT_UNALIGNED, CONN_SPORT));
                InetSocketAddress remote = address(r, family, CONN_DADDR, r.get(JAVA_SHORT_UNALIGNED, CONN_DPORT));
                yield new CaptureEvent.Conn(pid, r.get(JAVA_LONG_UNALIGNED, CONN_ID), r.get(JAVA_LONG_UNALIGNED, CONN_SSL),
                        r.get(JAVA_LONG_UNALIGNED, CONN_TS), r.get(JAVA_INT_UNALIGNED, CONN_FD),
                        Short.toUnsignedInt(r.get(JAVA_SHORT_UNALIGNED, CONN_LIB_ID)), local, remote);
            }
            case EV_TLS_HELLO -> {
                int family = Short.toUnsignedInt(r.get(JAVA_SHORT_UNALIGNED, CONN_FAMILY));
                yield new CaptureEvent.TlsHello(pid, r.get(JAVA_LONG_UNALIGNED, CONN_TS), r.get(JAVA_INT_UNALIGNED, CONN_FD),
                        r.get(JAVA_LONG_UNALIGNED, CONN_SSL) == 1, // the handshake message type: 1 ClientHello
                        address(r, family, CONN_SADDR, r.get(JAVA_SHORT_UNALIGNED, CONN_SPORT)),
                        address(r, family, CONN_DADDR, r.get(JAVA_SHORT_UNALIGNED, CONN_DPORT)));
            }
            case EV_CLOSE -> new CaptureEvent.Close(pid, r.get(JAVA_LONG_UNALIGNED, CLOSE_CONN_ID),
                    r.get(JAVA_LONG_UNALIGNED, CLOSE_TS), r.get(JAVA_LONG_UNALIGNED, CLOSE_IN), r.get(JAVA_LONG_UNALIGNED, CLOSE_OUT));
            case EV_EXEC, EV_MMAP -> new CaptureEvent.FileLoaded(pid, type == EV_EXEC, r.get(JAVA_LONG_UNALIGNED, FILE_TS),
                    r.get(JAVA_INT_UNALIGNED, FILE_DEV), r.get(JAVA_LONG_UNALIGNED, FILE_INO), r.get(JAVA_INT_UNALIGNED, FILE_FD),
                    cString(r, FILE_COMM, 16), cString(r, FILE_PATH, 256),
                    (r.get(JAVA_INT_UNALIGNED, FILE_FLAGS) & GATE_STOPPED) != 0,
                    (r.get(JAVA_INT_UNALIGNED, FILE_FLAGS) & EXEC_LEFT_OUT) != 0);
            case EV_EXIT -> new CaptureEvent.Exit(pid, r.get(JAVA_LONG_UNALIGNED, PROC_TS), cString(r, PROC_COMM, 16));
            case EV_JVM_HELLO -> {
                int len = Math.min(r.get(JAVA_INT_UNALIGNED, HELLO_LEN), HELLO_TEXT_MAX);
                byte[] text = new byte[Math.max(0, len)];
                MemorySegment.copy(r, JAVA_BYTE, HELLO_TEXT, text, 0, text.length);
                yield new CaptureEvent.JvmHello(pid, r.get(JAVA_LONG_UNALIGNED, HELLO_TS), new String(text, StandardCharsets.UTF_8));
            }
            case EV_FORK -> new CaptureEvent.Fork(pid, r.get(JAVA_INT_UNALIGNED, PROC_PARENT), r.get(JAVA_LONG_UNALIGNED, PROC_TS),
                    cString(r, PROC_COMM, 16));
            case EV_FORK_HELD -> new CaptureEvent.ForkHeld(pid, r.get(JAVA_INT_UNALIGNED, PROC_PARENT), r.get(JAVA_LONG_UNALIGNED, PROC_TS));
            default -> throw new IllegalStateException("unknown event type " + type + " (bpf object and recorder out of step?)");
        };
    }

    private static InetSocketAddress address(MemorySegment r, int family, int offset, short port) {
        int p = Short.toUnsignedInt(port);
        byte[] raw;
        if (family == AF_INET) {
            raw = new byte[4];
        } else if (family == AF_INET6) {
            raw = new byte[16];
        } else {
            return null;
        }
        MemorySegment.copy(r, JAVA_BYTE, offset, raw, 0, raw.length);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(raw), p);
        } catch (UnknownHostException e) {
            return null; // only for a wrong length, which cannot happen here
        }
    }

    private static String cString(MemorySegment r, int offset, int max) {
        byte[] b = new byte[(int) Math.min(max, r.byteSize() - offset)];
        MemorySegment.copy(r, JAVA_BYTE, offset, b, 0, b.length);
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(Arrays.copyOf(b, end), StandardCharsets.UTF_8);
    }
}
