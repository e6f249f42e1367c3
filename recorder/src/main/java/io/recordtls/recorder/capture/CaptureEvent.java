package io.recordtls.recorder.capture;

import java.net.InetSocketAddress;

/** What the kernel side reports, decoded. Timestamps are CLOCK_MONOTONIC nanoseconds. */
public sealed interface CaptureEvent {
    int pid();

    /** Bytes of one SSL call, or of one chunk of a call bigger than a ring-buffer record. */
    record Data(int pid, int tid, int fd, long connId, Direction direction, int libraryId,
                long tsEnter, long tsExit, long streamOffset, long callLength, int chunkOffset,
                byte[] payload) implements CaptureEvent {
        /** Offset of this chunk's first byte in its direction's stream. */
        public long offset() {
            return streamOffset + chunkOffset;
        }
    }

    /** A connection (process + SSL*) seen for the first time, or its socket learned. */
    record Conn(int pid, long connId, long ssl, long ts, int fd, int libraryId,
                InetSocketAddress local, InetSocketAddress remote) implements CaptureEvent {}

    /** The connection's socket was closed; the stream lengths reveal a lost tail. */
    record Close(int pid, long connId, long ts, long inBytes, long outBytes) implements CaptureEvent {}

    /** A process in scope ran exec, or mapped an executable file nobody looked at yet. */
    record FileLoaded(int pid, boolean exec, long ts, int dev, long inode, int fd, String comm, String path,
                      boolean stopped) implements CaptureEvent {}

    record Exit(int pid, long ts, String comm) implements CaptureEvent {}

    /** The JVM probe started in a process in scope; {@code text} says how (premain or attach) and which JVM. */
    record JvmHello(int pid, long ts, String text) implements CaptureEvent {}

    record Fork(int pid, int parentPid, long ts, String comm) implements CaptureEvent {}

    enum Direction { IN, OUT }

    /**
     * The OpenSSL functions probed in a library (the JVM probe reports JSSE calls without uprobes).
     * {@code code} is the function's {@code enum rt_fn} value in recordtls.h, carried in each
     * attachment's cookie: codes are fixed there, not by the order of this enum.
     */
    enum TlsFunction {
        SSL_read(0), SSL_write(1), SSL_read_ex(2), SSL_write_ex(3),
        /** The SSL BIO's read and write methods (static in bio_ssl.c, found through BIO_f_ssl, not by name). */
        BIO_f_ssl_read(12), BIO_f_ssl_write(13);

        private final int code;

        TlsFunction(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public boolean writes() {
            return this == SSL_write || this == SSL_write_ex || this == BIO_f_ssl_write;
        }

        /** Whether the library's symbol table names the function (the SSL BIO's methods are static). */
        public boolean exported() {
            return this != BIO_f_ssl_read && this != BIO_f_ssl_write;
        }

        /** The entry program: the SSL BIO's methods take a BIO*, which leads to the SSL*. */
        public String entryProgram() {
            return exported() ? "rtls_ssl_enter" : "rtls_bio_enter";
        }
    }
}
