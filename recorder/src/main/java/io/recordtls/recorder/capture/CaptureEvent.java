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
    /**
     * {@code leftOut}: an exec of a set-uid (or file-capability) program, which the kernel took out
     * of scope before it ran: its memory is not the caller's to record.
     */
    record FileLoaded(int pid, boolean exec, long ts, int dev, long inode, int fd, String comm, String path,
                      boolean stopped, boolean leftOut) implements CaptureEvent {}

    record Exit(int pid, long ts, String comm) implements CaptureEvent {}

    /** The JVM probe started in a process in scope; {@code text} says how (premain or attach) and which JVM. */
    record JvmHello(int pid, long ts, String text) implements CaptureEvent {}

    record Fork(int pid, int parentPid, long ts, String comm) implements CaptureEvent {}

    /**
     * A new child of a process with TLS probes, stopped where it first runs: per-process probes
     * follow no fork, so its own are planted before it goes on.
     */
    record ForkHeld(int pid, int parentPid, long ts) implements CaptureEvent {}

    /**
     * A process in scope wrote a TLS handshake record (a ClientHello, or a ServerHello when it is
     * the server) to this socket: it holds a TLS connection there, decoded by a probe or not.
     */
    record TlsHello(int pid, long ts, int fd, boolean clientHello, InetSocketAddress local,
                    InetSocketAddress remote) implements CaptureEvent {}

    enum Direction { IN, OUT }

    /**
     * The functions probed in a library, by the TLS stack they belong to (the JVM probe reports
     * JSSE calls without uprobes). {@code code} is the function's {@code enum rt_fn} value in
     * recordtls.h, carried in each attachment's cookie: codes are fixed there, not by the order of
     * this enum. A library of a stack found by its symbols (OpenSSL, GnuTLS) defines the
     * stack's required functions; then every function of that stack it defines is probed. Go's
     * functions are found in the program's own function table instead (GoTlsInspector).
     */
    enum TlsFunction {
        SSL_read(0, TlsStack.OPENSSL, true, false), SSL_write(1, TlsStack.OPENSSL, true, true),
        SSL_read_ex(2, TlsStack.OPENSSL, false, false), SSL_write_ex(3, TlsStack.OPENSSL, false, true),
        gnutls_record_recv(6, TlsStack.GNUTLS, true, false), gnutls_record_send(7, TlsStack.GNUTLS, true, true),
        /** crypto/tls.(*Conn).Read and Write of a Go program. */
        GO_READ(10, TlsStack.GO, true, false), GO_WRITE(11, TlsStack.GO, true, true),
        /** The SSL BIO's read and write methods (static in bio_ssl.c, found through BIO_f_ssl, not by name). */
        BIO_f_ssl_read(12, TlsStack.OPENSSL, false, false), BIO_f_ssl_write(13, TlsStack.OPENSSL, false, true),
        /**
         * NSPR's generic I/O (libnspr4), which NSS's SSL layer sits under: the kernel follows a call only
         * on an SSL fd. PR_Recv and PR_Send share the codes of PR_Read and PR_Write (the same shape).
         */
        PR_Read(8, TlsStack.NSS, true, false), PR_Write(9, TlsStack.NSS, true, true),
        PR_Recv(8, TlsStack.NSS, false, false), PR_Send(9, TlsStack.NSS, false, true),
        /**
         * Not probed: it marks NSS's SSL library (libssl3), whose code the kernel looks for behind an
         * fd's methods to tell an SSL fd from any other. Its code is in no cookie.
         */
        SSL_ImportFD(-1, TlsStack.NSS, false, false);

        /** The OpenSSL functions, looked up by these names in a library's symbols. */
        public static final java.util.Set<TlsFunction> OPENSSL = java.util.EnumSet.of(SSL_read, SSL_write, SSL_read_ex, SSL_write_ex);

        private final int code;
        private final TlsStack stack;
        private final boolean required;
        private final boolean writes;

        TlsFunction(int code, TlsStack stack, boolean required, boolean writes) {
            this.code = code;
            this.stack = stack;
            this.required = required;
            this.writes = writes;
        }

        public int code() {
            return code;
        }

        public TlsStack stack() {
            return stack;
        }

        /** Whether a file must define it to count as a library of its stack. */
        public boolean required() {
            return required;
        }

        public boolean writes() {
            return writes;
        }

        /** Whether a library's symbol table names the function (the SSL BIO's methods are static, Go's are found in its function table). */
        public boolean exported() {
            return this != BIO_f_ssl_read && this != BIO_f_ssl_write && stack != TlsStack.GO;
        }
    }

    /** A TLS implementation whose functions uprobes decode. */
    enum TlsStack {
        OPENSSL("OpenSSL"), GNUTLS("GnuTLS"), GO("Go crypto/tls"), NSS("NSS");

        private final String displayName;

        TlsStack(String displayName) {
            this.displayName = displayName;
        }

        public String displayName() {
            return displayName;
        }
    }
}
