package io.recordtls.recorder.capture;

import io.recordtls.recorder.capture.CaptureEvent.TlsFunction;
import io.recordtls.recorder.capture.CaptureEvent.TlsStack;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A file that defines TLS functions recordtls probes (a libssl, an executable that links OpenSSL
 * statically such as node, a libgnutls, or a Go program with crypto/tls), with the points the
 * probes attach to. {@code go} is the layout of Go's connection structs, null for other stacks;
 * {@code bioDataOffset} is where OpenSSL's struct bio_st keeps its data pointer (what the probe on
 * the SSL BIO's methods follows to the SSL*), 0 when the library's SSL BIO is not probed.
 */
public record TlsLibrary(Path path, String name, FileId id, List<ProbePoint> points, GoLayout go, int bioDataOffset) {
    /** The stacks whose functions are probed in this file (one, in every library seen so far). */
    public Set<TlsStack> stacks() {
        Set<TlsStack> stacks = EnumSet.noneOf(TlsStack.class);
        points.forEach(p -> stacks.add(p.function().stack()));
        return stacks;
    }

    /** The file as the kernel knows it; two paths to one file share it. */
    public record FileId(long dev, long ino) {}

    /** How a probe point is attached: which program, and whether as a uretprobe. */
    public enum ProbeKind {
        /** OpenSSL-style call: rtls_ssl_enter at entry. */
        CALL_ENTRY("rtls_ssl_enter", false),
        /** The SSL BIO's methods: rtls_bio_enter at entry, which goes from the BIO* to its SSL*. */
        BIO_ENTRY("rtls_bio_enter", false),
        /** OpenSSL-style call: rtls_ssl_exit as a uretprobe on the same function. */
        CALL_RETURN("rtls_ssl_exit", true),
        /** Go: rtls_go_enter at the function's first instruction. */
        GO_ENTRY("rtls_go_enter", false),
        /** Go: rtls_go_ret on one RET instruction (a uretprobe would crash Go). */
        GO_RET("rtls_go_ret", false),
        /** NSPR's generic I/O: rtls_nss_enter at entry, which follows only calls on an NSS SSL fd. */
        NSS_ENTRY("rtls_nss_enter", false),
        /** No uprobe: the file is NSS's SSL library, the kernel is told its inode (how it knows an SSL fd). */
        NSS_SSL_CODE(null, false);

        public final String program;
        public final boolean uretprobe;

        ProbeKind(String program, boolean uretprobe) {
            this.program = program;
            this.uretprobe = uretprobe;
        }
    }

    /** One uprobe: the function it belongs to (its code goes into the cookie), where in the file, how. */
    public record ProbePoint(TlsFunction function, long offset, ProbeKind kind) {}

    /**
     * Offsets in Go's structs from a *tls.Conn to its socket's fd: tls.Conn.conn's data word,
     * net.TCPConn's *netFD, netFD.pfd.Sysfd. {@code version} is the Go version that built the file.
     */
    public record GoLayout(String version, int connData, int netFd, int sysfd) {}

    public TlsLibrary {
        points = List.copyOf(points);
    }

    /**
     * A library whose functions are probed at entry and return (OpenSSL, GnuTLS, NSPR under NSS): both points of
     * each function found; NSS's SSL_ImportFD marks the file the kernel knows NSS's SSL fds by, probed by nothing.
     */
    public static TlsLibrary ofCalls(Path path, String name, FileId id, Map<TlsFunction, Long> offsets, int bioDataOffset) {
        List<ProbePoint> points = new java.util.ArrayList<>();
        offsets.forEach((fn, offset) -> {
            if (fn == TlsFunction.SSL_ImportFD) {
                points.add(new ProbePoint(fn, offset, ProbeKind.NSS_SSL_CODE));
                return;
            }
            ProbeKind entry = fn.stack() == TlsStack.NSS ? ProbeKind.NSS_ENTRY
                    : fn.exported() ? ProbeKind.CALL_ENTRY : ProbeKind.BIO_ENTRY;
            points.add(new ProbePoint(fn, offset, entry));
            points.add(new ProbePoint(fn, offset, ProbeKind.CALL_RETURN));
        });
        return new TlsLibrary(path, name, id, points, null, bioDataOffset);
    }

    /** A Go program: its entry and RET points, and the layout of its connection structs. */
    public static TlsLibrary ofGo(Path path, String name, FileId id, List<ProbePoint> points, GoLayout go) {
        return new TlsLibrary(path, name, id, points, go, 0);
    }

    /** Entry offset of each function probed. */
    public Map<TlsFunction, Long> offsets() {
        Map<TlsFunction, Long> offsets = new EnumMap<>(TlsFunction.class);
        for (ProbePoint p : points) {
            if (p.kind() != ProbeKind.CALL_RETURN && p.kind() != ProbeKind.GO_RET && p.kind() != ProbeKind.NSS_SSL_CODE) {
                offsets.put(p.function(), p.offset());
            }
        }
        return offsets;
    }

    @Override
    public String toString() {
        return name + " (" + path + ")";
    }
}
