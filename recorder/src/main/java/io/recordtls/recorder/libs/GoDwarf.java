package io.recordtls.recorder.libs;

import io.recordtls.recorder.capture.TlsLibrary.GoLayout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The offsets the probes walk from a {@code *tls.Conn} to its socket's fd, read from the DWARF a
 * Go binary with debug information carries (a build without {@code -ldflags=-w}): the compiler's
 * own layout of {@code crypto/tls.Conn}, {@code net.TCPConn}, {@code net.conn}, {@code net.netFD}
 * and {@code internal/poll.FD}, so a Go release that moves a field is read right rather than by a
 * table. Only what that needs is read: the abbreviations, and the members of those five structs
 * ({@code DW_AT_data_member_location}) in {@code .debug_info} (zlib-compressed sections as Go
 * writes them, {@code SHF_COMPRESSED}, or plain).
 */
final class GoDwarf {
    private GoDwarf() {}

    private static final String TLS_CONN = "crypto/tls.Conn", TCP_CONN = "net.TCPConn", NET_CONN = "net.conn",
            NET_FD = "net.netFD", POLL_FD = "internal/poll.FD";
    private static final Set<String> STRUCTS = Set.of(TLS_CONN, TCP_CONN, NET_CONN, NET_FD, POLL_FD);
    private static final int TAG_STRUCTURE = 0x13, TAG_MEMBER = 0x0d, AT_NAME = 0x03, AT_MEMBER_LOCATION = 0x38;
    private static final long SHF_COMPRESSED = 0x800;
    /** More than any section Go writes for a program a recording meets; a bigger one is not read. */
    private static final long MAX_SECTION = 256L << 20;

    /**
     * The layout from the binary's DWARF, or empty when it has none (stripped with -w), lacks one of
     * the structs or members, or cannot be read: then the per-version table applies.
     */
    static Optional<GoLayout> layout(ByteBuffer elf, String version) {
        try {
            ByteBuffer abbrev = section(elf, ".debug_abbrev"), info = section(elf, ".debug_info");
            if (abbrev == null || info == null) {
                return Optional.empty();
            }
            Map<String, Map<String, Long>> members = members(abbrev, info);
            Long conn = member(members, TLS_CONN, "conn"), tcp = member(members, TCP_CONN, "conn"),
                    fd = member(members, NET_CONN, "fd"), pfd = member(members, NET_FD, "pfd"),
                    sysfd = member(members, POLL_FD, "Sysfd");
            if (conn == null || tcp == null || fd == null || pfd == null || sysfd == null) {
                return Optional.empty();
            }
            // conn is an interface value (itab, data): the data word follows the itab pointer
            return Optional.of(new GoLayout(version, Math.toIntExact(conn + 8), Math.toIntExact(tcp + fd), Math.toIntExact(pfd + sysfd)));
        } catch (RuntimeException | DataFormatException e) {
            return Optional.empty(); // malformed or unexpected DWARF: the table applies
        }
    }

    private static Long member(Map<String, Map<String, Long>> members, String struct, String name) {
        Map<String, Long> m = members.get(struct);
        return m == null ? null : m.get(name);
    }

    /** A section's contents, inflated when compressed; null when the file has no such section. */
    private static ByteBuffer section(ByteBuffer elf, String name) throws DataFormatException {
        int sh = ElfSymbols.section(elf, name);
        if (sh < 0) {
            return null;
        }
        long flags = elf.getLong(sh + 0x08), offset = elf.getLong(sh + 0x18), size = elf.getLong(sh + 0x20);
        if (offset < 0 || size < 0 || size > MAX_SECTION || offset + size > elf.capacity()) {
            return null;
        }
        ByteBuffer raw = elf.slice(Math.toIntExact(offset), Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        if ((flags & SHF_COMPRESSED) == 0) {
            return raw;
        }
        // Elf64_Chdr: ch_type (1 = zlib), reserved, ch_size, ch_addralign; the zlib stream follows
        if (size < 24 || raw.getInt(0) != 1 || raw.getLong(8) <= 0 || raw.getLong(8) > MAX_SECTION) {
            return null;
        }
        byte[] out = new byte[Math.toIntExact(raw.getLong(8))];
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(raw.slice(24, Math.toIntExact(size - 24)));
            int n = 0;
            while (n < out.length && !inflater.finished()) {
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return null;
                }
                n += got;
            }
            return n == out.length ? ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN) : null;
        } finally {
            inflater.end();
        }
    }

    /** An abbreviation: its tag, whether it has children, its attributes and their forms. */
    private record Abbrev(int tag, boolean children, int[] attributes, int[] forms, long[] implicit) {}

    private static Map<Long, Abbrev> abbrevs(ByteBuffer b, int at) {
        Map<Long, Abbrev> table = new HashMap<>();
        b.position(at);
        while (b.hasRemaining()) {
            long code = uleb(b);
            if (code == 0) {
                return table;
            }
            int tag = (int) uleb(b);
            boolean children = b.get() != 0;
            int[] attrs = new int[8], forms = new int[8];
            long[] implicit = new long[8];
            int n = 0;
            while (true) {
                int attr = (int) uleb(b), form = (int) uleb(b);
                if (attr == 0 && form == 0) {
                    break;
                }
                if (n == attrs.length) {
                    attrs = java.util.Arrays.copyOf(attrs, n * 2);
                    forms = java.util.Arrays.copyOf(forms, n * 2);
                    implicit = java.util.Arrays.copyOf(implicit, n * 2);
                }
                attrs[n] = attr;
                forms[n] = form;
                implicit[n] = form == 0x21 ? sleb(b) : 0; // DW_FORM_implicit_const: its value is here
                n++;
            }
            table.put(code, new Abbrev(tag, children, java.util.Arrays.copyOf(attrs, n), java.util.Arrays.copyOf(forms, n),
                    java.util.Arrays.copyOf(implicit, n)));
        }
        return table;
    }

    /** The members' offsets of the wanted structs, by struct name and member name. */
    private static Map<String, Map<String, Long>> members(ByteBuffer abbrev, ByteBuffer info) {
        Map<String, Map<String, Long>> found = new HashMap<>();
        Map<Integer, Map<Long, Abbrev>> tables = new HashMap<>();
        int unit = 0;
        while (unit + 11 <= info.limit() && found.size() < STRUCTS.size()) {
            info.position(unit);
            long length = Integer.toUnsignedLong(info.getInt());
            boolean dwarf64 = length == 0xffffffffL;
            if (dwarf64) {
                length = info.getLong();
            }
            int body = info.position();
            long end = body + length;
            if (length <= 0 || end > info.limit()) {
                break;
            }
            int version = Short.toUnsignedInt(info.getShort());
            int addrSize;
            long abbrevAt;
            if (version >= 5) {
                info.get(); // unit_type
                addrSize = info.get();
                abbrevAt = dwarf64 ? info.getLong() : Integer.toUnsignedLong(info.getInt());
            } else {
                abbrevAt = dwarf64 ? info.getLong() : Integer.toUnsignedLong(info.getInt());
                addrSize = info.get();
            }
            Map<Long, Abbrev> table = tables.computeIfAbsent(Math.toIntExact(abbrevAt), at -> abbrevs(abbrev, at));
            readUnit(info, (int) end, table, new Unit(version, addrSize, dwarf64 ? 8 : 4), found);
            unit = (int) end;
        }
        return found;
    }

    private record Unit(int version, int addrSize, int offsetSize) {}

    private static void readUnit(ByteBuffer b, int end, Map<Long, Abbrev> table, Unit u, Map<String, Map<String, Long>> found) {
        int depth = 0;
        int structDepth = -1; // depth of the children of a wanted struct being read
        Map<String, Long> current = null;
        while (b.position() < end) {
            long code = uleb(b);
            if (code == 0) {
                depth--;
                if (depth < structDepth) {
                    structDepth = -1;
                    current = null;
                }
                continue;
            }
            Abbrev a = table.get(code);
            if (a == null) {
                throw new IllegalStateException("DWARF abbreviation " + code + " missing");
            }
            String name = null;
            Long location = null;
            for (int i = 0; i < a.attributes().length; i++) {
                int attr = a.attributes()[i], form = a.forms()[i];
                if (attr == AT_NAME && form == 0x08) { // DW_FORM_string, what Go writes names as
                    name = cString(b);
                } else if (attr == AT_MEMBER_LOCATION) {
                    location = memberLocation(b, form, a.implicit()[i], u);
                } else {
                    skip(b, form, u);
                }
            }
            if (a.tag() == TAG_STRUCTURE && name != null && STRUCTS.contains(name) && a.children() && !found.containsKey(name)) {
                current = new HashMap<>();
                found.put(name, current);
                structDepth = depth + 1;
            } else if (a.tag() == TAG_MEMBER && current != null && depth == structDepth && name != null && location != null) {
                current.put(name, location);
            }
            if (a.children()) {
                depth++;
            }
        }
    }

    /** A member's offset: a constant, or a location expression that is DW_OP_plus_uconst N. */
    private static Long memberLocation(ByteBuffer b, int form, long implicit, Unit u) {
        switch (form) {
            case 0x0b: return (long) Byte.toUnsignedInt(b.get());
            case 0x05: return (long) Short.toUnsignedInt(b.getShort());
            case 0x06: return Integer.toUnsignedLong(b.getInt());
            case 0x07: return b.getLong();
            case 0x0f: return uleb(b);
            case 0x0d: return sleb(b);
            case 0x21: return implicit;
            case 0x18: case 0x09: case 0x0a: { // exprloc, block, block1
                long len = form == 0x0a ? Byte.toUnsignedInt(b.get()) : uleb(b);
                int start = b.position();
                Long v = null;
                if (len > 0 && Byte.toUnsignedInt(b.get()) == 0x23) { // DW_OP_plus_uconst
                    v = uleb(b);
                }
                b.position(Math.toIntExact(start + len));
                return v;
            }
            default:
                skip(b, form, u);
                return null;
        }
    }

    /** Steps over an attribute value of this form (DWARF 2 to 5). */
    private static void skip(ByteBuffer b, int form, Unit u) {
        switch (form) {
            case 0x01 -> advance(b, u.addrSize());                            // addr
            case 0x03 -> advance(b, Short.toUnsignedInt(b.getShort()));       // block2
            case 0x04 -> advance(b, b.getInt());                              // block4
            case 0x05, 0x12 -> advance(b, 2);                                 // data2, ref2
            case 0x06, 0x13, 0x1c -> advance(b, 4);                           // data4, ref4, ref_sup4
            case 0x07, 0x14, 0x20, 0x24 -> advance(b, 8);                     // data8, ref8, ref_sig8, ref_sup8
            case 0x08 -> cString(b);                                          // string
            case 0x09, 0x18 -> advance(b, uleb(b));                           // block, exprloc
            case 0x0a -> advance(b, Byte.toUnsignedInt(b.get()));             // block1
            case 0x0b, 0x0c, 0x11, 0x25, 0x29 -> advance(b, 1);               // data1, flag, ref1, strx1, addrx1
            case 0x0d -> sleb(b);                                             // sdata
            case 0x0e, 0x17, 0x1d, 0x1f -> advance(b, u.offsetSize());        // strp, sec_offset, strp_sup, line_strp
            case 0x0f, 0x15, 0x1a, 0x1b, 0x22, 0x23 -> uleb(b);               // udata, ref_udata, strx, addrx, loclistx, rnglistx
            case 0x10 -> advance(b, u.version() <= 2 ? u.addrSize() : u.offsetSize()); // ref_addr
            case 0x16 -> skip(b, (int) uleb(b), u);                           // indirect
            case 0x19, 0x21 -> { }                                            // flag_present, implicit_const
            case 0x1e -> advance(b, 16);                                      // data16
            case 0x26, 0x2a -> advance(b, 2);                                 // strx2, addrx2
            case 0x27, 0x2b -> advance(b, 3);                                 // strx3, addrx3
            case 0x28, 0x2c -> advance(b, 4);                                 // strx4, addrx4
            default -> throw new IllegalStateException("DWARF form 0x" + Integer.toHexString(form) + " not known");
        }
    }

    private static void advance(ByteBuffer b, long n) {
        b.position(Math.toIntExact(b.position() + n));
    }

    private static String cString(ByteBuffer b) {
        int start = b.position();
        while (b.get() != 0) {
            // to the NUL
        }
        byte[] s = new byte[b.position() - 1 - start];
        b.get(start, s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static long uleb(ByteBuffer b) {
        return leb128(b, false);
    }

    private static long sleb(ByteBuffer b) {
        return leb128(b, true);
    }

    private static long leb128(ByteBuffer b, boolean signed) {
        long result = 0;
        int shift = 0;
        byte x;
        do {
            x = b.get();
            if (shift < 64) {
                result |= (long) (x & 0x7f) << shift;
            }
            shift += 7;
        } while ((x & 0x80) != 0);
        if (signed && shift < 64 && (x & 0x40) != 0) {
            result |= -1L << shift;
        }
        return result;
    }
}
