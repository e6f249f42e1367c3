package io.recordtls.recorder.libs;

import io.recordtls.recorder.capture.CaptureEvent.TlsFunction;
import io.recordtls.recorder.capture.TlsLibrary;
import io.recordtls.recorder.capture.TlsLibrary.GoLayout;
import io.recordtls.recorder.capture.TlsLibrary.ProbeKind;
import io.recordtls.recorder.capture.TlsLibrary.ProbePoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go programs that use crypto/tls: where (*Conn).Read and (*Conn).Write start and where each of
 * their RET instructions is, from .symtab when the binary has one, else from the function table
 * every Go binary keeps for its runtime (.gopclntab: stripped binaries have it too), and the Go
 * version from the build info.
 */
public final class GoTlsInspector {
    static final String READ = "crypto/tls.(*Conn).Read", WRITE = "crypto/tls.(*Conn).Write";
    private static final byte[] BUILDINFO_MAGIC = "\u00ff Go buildinf:".getBytes(StandardCharsets.ISO_8859_1);

    /** A Go program with crypto/tls that cannot be probed: the message says which and why. */
    public static final class Unsupported extends Exception {
        public Unsupported(String message) {
            super(message);
        }
    }

    private GoTlsInspector() {}

    /** Null when Go programs can be probed here, else why not (no disassembler to find their RETs). */
    public static String problem() {
        return Capstone.problem();
    }

    /**
     * The probe points of a Go program that has crypto/tls; empty when the file is no Go
     * program or has no crypto/tls.
     */
    public static Optional<TlsLibrary> inspect(Path file) throws IOException, Unsupported {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < 64 || ch.size() > Integer.MAX_VALUE) {
                return Optional.empty();
            }
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt(0) != 0x464c457f || b.get(4) != 2 || b.get(5) != 1) {
                return Optional.empty();
            }
            String version = version(b);
            if (version == null) {
                return Optional.empty(); // no Go build info: no Go program
            }
            Map<String, ElfSymbols.Function> fns = new HashMap<>(ElfSymbols.functions(b, java.util.Set.of(READ, WRITE)));
            if (fns.size() < 2) {
                fns.putAll(Pclntab.functions(b, java.util.Set.of(READ, WRITE)));
            }
            if (fns.size() < 2) {
                if (!contains(b, READ.getBytes(StandardCharsets.US_ASCII))) {
                    return Optional.empty(); // a Go program without crypto/tls
                }
                throw new Unsupported("Go TLS not recorded: " + file.getFileName() + " (" + version
                        + ") has crypto/tls but recordtls found neither a symbol table nor a function table it can read");
            }
            if (b.getShort(0x12) != 0x3e) {
                throw new Unsupported("Go TLS not recorded: " + file.getFileName() + " is not an x86-64 program (only x86-64 is probed)");
            }
            GoLayout table = layout(version);
            if (table == null) {
                throw new Unsupported("Go TLS not recorded: " + file.getFileName() + " was built by " + version
                        + ", which passes arguments on the stack; Go >= 1.17 (register ABI) is supported");
            }
            // the compiler's own layout where the binary carries DWARF; the table for stripped ones
            GoLayout layout = GoDwarf.layout(b, version).orElse(table);
            if (Capstone.problem() != null) {
                throw new Unsupported("Go TLS not recorded: " + Capstone.problem());
            }
            List<ProbePoint> points = new ArrayList<>();
            points.addAll(points(b, fns.get(READ), TlsFunction.GO_READ, file));
            points.addAll(points(b, fns.get(WRITE), TlsFunction.GO_WRITE, file));
            String name = TlsLibraryInspector.name(file) + " (Go crypto/tls, " + version + ")";
            return Optional.of(TlsLibrary.ofGo(file, name, TlsLibraryInspector.fileId(file), points, layout));
        }
    }

    private static List<ProbePoint> points(ByteBuffer b, ElfSymbols.Function fn, TlsFunction function, Path file) throws Unsupported {
        if (fn.size() <= 0 || fn.fileOffset() + fn.size() > b.capacity()) {
            throw new Unsupported("Go TLS not recorded: " + function + " in " + file.getFileName() + " has no usable size");
        }
        byte[] code = new byte[(int) fn.size()];
        b.get(Math.toIntExact(fn.fileOffset()), code);
        Capstone.Decoded decoded = Capstone.retOffsets(code);
        for (int i = decoded.decodedBytes(); i < code.length; i++) {
            if (code[i] != (byte) 0xcc) { // past the last instruction only INT3 padding may follow
                // a RET after the bytes capstone could not decode would be missed: the calls ending
                // there would never be reported, so the function is not probed at all
                throw new Unsupported("Go TLS not recorded: capstone could not decode " + function + " of "
                        + file.getFileName() + " past byte " + decoded.decodedBytes() + " of " + code.length);
            }
        }
        List<Integer> rets = decoded.rets();
        if (rets.isEmpty()) {
            throw new Unsupported("Go TLS not recorded: no RET instruction found in " + function + " of " + file.getFileName());
        }
        List<ProbePoint> points = new ArrayList<>();
        points.add(new ProbePoint(function, fn.fileOffset(), ProbeKind.GO_ENTRY));
        for (int ret : rets) {
            points.add(new ProbePoint(function, fn.fileOffset() + ret, ProbeKind.GO_RET));
        }
        return points;
    }

    private static final Pattern GO_VERSION = Pattern.compile("go(\\d+)\\.(\\d+).*");

    /**
     * Where the fd lies behind a *tls.Conn, by Go version: tls.Conn starts with conn net.Conn (an
     * interface: itab, then data at 8); net.TCPConn starts with its *netFD; netFD starts with
     * pfd poll.FD, whose Sysfd follows the 16-byte fdMutex. Unchanged from Go 1.17 through at
     * least 1.23 (checked against the compiler's own layout by GoTlsInspectorTest); null for Go
     * before 1.17, whose stack-based calling convention the probes do not read. Development
     * builds ("devel ...") are taken as current.
     */
    static GoLayout layout(String version) {
        Matcher m = GO_VERSION.matcher(version);
        if (m.matches()) {
            int major = Integer.parseInt(m.group(1)), minor = Integer.parseInt(m.group(2));
            if (major == 1 && minor < 17) {
                return null;
            }
        }
        return new GoLayout(version, 8, 0, 16);
    }

    /** The Go version in the build info ("go1.19.8"), or null when the file has none. */
    static String version(ByteBuffer b) {
        // Go's linker always writes section headers: no file-wide search for the magic, which
        // would read every non-Go program a process in scope runs
        int sh = ElfSymbols.section(b, ".go.buildinfo");
        if (sh < 0) {
            return null;
        }
        long at = b.getLong(sh + 0x18);
        if (at < 0 || at + 32 > b.capacity() || !startsWith(b, (int) at, BUILDINFO_MAGIC)) {
            return null;
        }
        int ptrSize = b.get((int) at + 14), flags = b.get((int) at + 15);
        if ((flags & 2) != 0) { // Go 1.18+: the strings follow inline, each varint-length-prefixed
            int p = (int) at + 32;
            long len = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int x = b.get(p++) & 0xff;
                len |= (long) (x & 0x7f) << shift;
                if (x < 0x80) {
                    break;
                }
            }
            return string(b, p, len);
        }
        if (ptrSize != 8) {
            return null;
        }
        // Go before 1.18: a pointer to a Go string header (data pointer, length)
        long header = ElfSymbols.toFileOffset(b, b.getLong((int) at + 16));
        if (header < 0 || header + 16 > b.capacity()) {
            return null;
        }
        long data = ElfSymbols.toFileOffset(b, b.getLong((int) header));
        return data < 0 ? null : string(b, (int) data, b.getLong((int) header + 8));
    }

    private static String string(ByteBuffer b, int at, long len) {
        if (len <= 0 || len > 128 || at + len > b.capacity()) {
            return null;
        }
        byte[] s = new byte[(int) len];
        b.get(at, s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static boolean startsWith(ByteBuffer b, int at, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (b.get(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static boolean contains(ByteBuffer b, byte[] needle) {
        return indexOf(b, needle, 0) >= 0;
    }

    static long indexOf(ByteBuffer b, byte[] needle, int from) {
        int last = b.capacity() - needle.length;
        byte first = needle[0];
        for (int i = from; i <= last; i++) {
            if (b.get(i) == first && startsWith(b, i, needle)) {
                return i;
            }
        }
        return -1;
    }
}
