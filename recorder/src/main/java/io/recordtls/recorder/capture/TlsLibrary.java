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
 * probes attach to. {@code go} is the layout of Go's connection structs, null for other stacks.
 */
public record TlsLibrary(Path path, String name, FileId id, List<ProbePoint> points, GoLayout go) {
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
        /** OpenSSL-style call: rtls_ssl_exit as a uretprobe on the same function. */
        CALL_RETURN("rtls_ssl_exit", true),
        /** Go: rtls_go_enter at the function's first instruction. */
        GO_ENTRY("rtls_go_enter", false),
        /** Go: rtls_go_ret on one RET instruction (a uretprobe would crash Go). */
        GO_RET("rtls_go_ret", false);

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

    /** A library whose functions are probed at entry and return (OpenSSL, GnuTLS): both points of each function found. */
    public static TlsLibrary ofCalls(Path path, String name, FileId id, Map<TlsFunction, Long> offsets) {
        List<ProbePoint> points = new java.util.ArrayList<>();
        offsets.forEach((fn, offset) -> {
            points.add(new ProbePoint(fn, offset, ProbeKind.CALL_ENTRY));
            points.add(new ProbePoint(fn, offset, ProbeKind.CALL_RETURN));
        });
        return new TlsLibrary(path, name, id, points, null);
    }

    /** Entry offset of each function probed. */
    public Map<TlsFunction, Long> offsets() {
        Map<TlsFunction, Long> offsets = new EnumMap<>(TlsFunction.class);
        for (ProbePoint p : points) {
            if (p.kind() == ProbeKind.CALL_ENTRY || p.kind() == ProbeKind.GO_ENTRY) {
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
