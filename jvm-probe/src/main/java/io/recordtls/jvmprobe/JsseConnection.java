package io.recordtls.jvmprobe;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One JSSE connection (an SSLSocket or an SSLEngine) as the frames name it: a number unique in
 * this JVM, and the addresses every frame carries, laid out as in the frame header.
 */
final class JsseConnection {
    static final int KIND_SOCKET = 0, KIND_ENGINE = 1;
    private static final int AF_INET = 2, AF_INET6 = 10;
    /**
     * From a random start: the kernel keys connections by (process, number), and a JVM that
     * gets the pid of one that ended in the same recording must not continue its streams.
     */
    private static final AtomicLong NEXT = new AtomicLong(new java.security.SecureRandom().nextLong() >>> 20);

    static final JsseConnection NONE = new JsseConnection(0, KIND_SOCKET, null, 0, null, 0);

    final long handle;
    final int kind;
    /** family (u16), local port, remote port, then local and remote address (16 bytes each). */
    final byte[] addresses = new byte[38];

    private JsseConnection(long handle, int kind, InetAddress local, int localPort, InetAddress remote, int remotePort) {
        this.handle = handle;
        this.kind = kind;
        if (remote == null) {
            return; // family 0: the recorder names the server from the Host header
        }
        boolean v4 = remote instanceof Inet4Address;
        if (local != null && (local instanceof Inet4Address) != v4) {
            local = null;
        }
        FrameSink.putShort(addresses, 0, v4 ? AF_INET : AF_INET6);
        FrameSink.putShort(addresses, 2, local == null ? 0 : localPort);
        FrameSink.putShort(addresses, 4, remotePort);
        if (local != null) {
            byte[] l = local.getAddress();
            System.arraycopy(l, 0, addresses, 6, l.length);
        }
        byte[] r = remote.getAddress();
        System.arraycopy(r, 0, addresses, 22, r.length);
    }

    static JsseConnection create(int kind, InetAddress local, int localPort, InetAddress remote, int remotePort) {
        return new JsseConnection(NEXT.incrementAndGet(), kind, local, localPort, remote, remotePort);
    }
}
