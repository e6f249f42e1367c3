package io.recordtls.recorder.libs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads the file offsets of named functions from a 64-bit little-endian ELF file (what a uprobe
 * attaches to): .dynsym first (shared libraries, and executables such as node that export
 * OpenSSL), then .symtab when the file still has one.
 */
public final class ElfSymbols {
    private static final int SHT_SYMTAB = 2, SHT_DYNSYM = 11, PT_LOAD = 1, STT_FUNC = 2, STT_GNU_IFUNC = 10;

    private ElfSymbols() {}

    /** Offsets of those of {@code wanted} the file defines; empty when it is no ELF file we read. */
    public static Map<String, Long> functionOffsets(Path file, Set<String> wanted) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 64) {
                return Map.of();
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            map.order(ByteOrder.LITTLE_ENDIAN);
            Map<String, Long> offsets = new HashMap<>();
            read(map, wanted).forEach((name, fn) -> offsets.put(name, fn.fileOffset()));
            return offsets;
        }
    }

    /** A function: where its code starts in the file, and its size in bytes (st_size). */
    record Function(long fileOffset, long size) {}

    /** The functions of {@code wanted} an ELF file already mapped defines, with their sizes. */
    static Map<String, Function> functions(ByteBuffer elf, Set<String> wanted) {
        return elf.capacity() < 64 ? Map.of() : read(elf, wanted);
    }

    private static Map<String, Function> read(ByteBuffer b, Set<String> wanted) {
        if (b.getInt(0) != 0x464c457f || b.get(4) != 2 /* ELFCLASS64 */ || b.get(5) != 1 /* little endian */) {
            return Map.of();
        }
        long phoff = b.getLong(0x20), shoff = b.getLong(0x28);
        int phentsize = Short.toUnsignedInt(b.getShort(0x36)), phnum = Short.toUnsignedInt(b.getShort(0x38));
        int shentsize = Short.toUnsignedInt(b.getShort(0x3a)), shnum = Short.toUnsignedInt(b.getShort(0x3c));
        if (shoff == 0 || shnum == 0 || shoff + (long) shnum * shentsize > b.capacity()) {
            return Map.of();
        }
        Map<String, Function> found = new HashMap<>();
        int shortest = wanted.stream().mapToInt(String::length).min().orElse(0);
        for (int wantedType : new int[] {SHT_DYNSYM, SHT_SYMTAB}) {
            for (int i = 0; i < shnum && found.size() < wanted.size(); i++) {
                int sh = Math.toIntExact(shoff + (long) i * shentsize);
                if (b.getInt(sh + 4) != wantedType) {
                    continue;
                }
                long symOff = b.getLong(sh + 0x18), symSize = b.getLong(sh + 0x20), entSize = b.getLong(sh + 0x38);
                int link = b.getInt(sh + 0x28);
                int strSh = Math.toIntExact(shoff + (long) link * shentsize);
                long strOff = b.getLong(strSh + 0x18), strSize = b.getLong(strSh + 0x20);
                if (entSize < 24 || symOff + symSize > b.capacity() || strOff + strSize > b.capacity()) {
                    continue;
                }
                for (long s = symOff; s + entSize <= symOff + symSize; s += entSize) {
                    int p = Math.toIntExact(s);
                    int info = b.get(p + 4) & 0xf;
                    int shndx = Short.toUnsignedInt(b.getShort(p + 6));
                    long value = b.getLong(p + 8), size = b.getLong(p + 16);
                    if ((info != STT_FUNC && info != STT_GNU_IFUNC) || shndx == 0 || value == 0) {
                        continue;
                    }
                    String name = cString(b, strOff + Integer.toUnsignedLong(b.getInt(p)), strOff + strSize, shortest);
                    if (name != null && wanted.contains(name) && !found.containsKey(name)) {
                        long fileOffset = toFileOffset(b, phoff, phentsize, phnum, value);
                        if (fileOffset >= 0) {
                            found.put(name, new Function(fileOffset, size));
                        }
                    }
                }
            }
        }
        return found;
    }

    private static final int SHT_DYNAMIC = 6, DT_NULL = 0, DT_SONAME = 14;

    /** The library's DT_SONAME ("libgnutls.so.30"), or null when it has none or is no ELF file we read. */
    public static String soname(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < 64) {
                return null;
            }
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            b.order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt(0) != 0x464c457f || b.get(4) != 2 /* ELFCLASS64 */ || b.get(5) != 1 /* little endian */) {
                return null;
            }
            long shoff = b.getLong(0x28);
            int shentsize = Short.toUnsignedInt(b.getShort(0x3a)), shnum = Short.toUnsignedInt(b.getShort(0x3c));
            if (shoff == 0 || shnum == 0 || shoff + (long) shnum * shentsize > b.capacity()) {
                return null;
            }
            for (int i = 0; i < shnum; i++) {
                int sh = Math.toIntExact(shoff + (long) i * shentsize);
                if (b.getInt(sh + 4) != SHT_DYNAMIC) {
                    continue;
                }
                long dynOff = b.getLong(sh + 0x18), dynSize = b.getLong(sh + 0x20);
                int strSh = Math.toIntExact(shoff + (long) b.getInt(sh + 0x28) * shentsize);
                long strOff = b.getLong(strSh + 0x18), strSize = b.getLong(strSh + 0x20);
                if (dynOff + dynSize > b.capacity() || strOff + strSize > b.capacity()) {
                    return null;
                }
                for (long d = dynOff; d + 16 <= dynOff + dynSize; d += 16) {
                    long tag = b.getLong(Math.toIntExact(d));
                    if (tag == DT_NULL) {
                        break;
                    }
                    if (tag == DT_SONAME) {
                        long at = strOff + b.getLong(Math.toIntExact(d + 8));
                        int end = Math.toIntExact(at);
                        while (end < strOff + strSize && b.get(end) != 0) {
                            end++;
                        }
                        byte[] name = new byte[end - Math.toIntExact(at)];
                        b.get(Math.toIntExact(at), name);
                        return new String(name, StandardCharsets.US_ASCII);
                    }
                }
            }
            return null;
        }
    }

    /** The file offset of a virtual address of an ELF file, or -1 when no loaded segment holds it. */
    static long toFileOffset(ByteBuffer b, long vaddr) {
        return toFileOffset(b, b.getLong(0x20), Short.toUnsignedInt(b.getShort(0x36)), Short.toUnsignedInt(b.getShort(0x38)), vaddr);
    }

    /** The section's header offset in the file, or -1. */
    static int section(ByteBuffer b, String wanted) {
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3a)), shnum = Short.toUnsignedInt(b.getShort(0x3c));
        int shstrndx = Short.toUnsignedInt(b.getShort(0x3e));
        if (shoff == 0 || shstrndx >= shnum || shoff + (long) shnum * shentsize > b.capacity()) {
            return -1;
        }
        long names = b.getLong(Math.toIntExact(shoff + (long) shstrndx * shentsize) + 0x18);
        byte[] want = wanted.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < shnum; i++) {
            int sh = Math.toIntExact(shoff + (long) i * shentsize);
            long at = names + Integer.toUnsignedLong(b.getInt(sh));
            if (at + want.length + 1 > b.capacity()) {
                continue;
            }
            boolean same = b.get(Math.toIntExact(at + want.length)) == 0;
            for (int k = 0; same && k < want.length; k++) {
                same = b.get(Math.toIntExact(at + k)) == want[k];
            }
            if (same) {
                return sh;
            }
        }
        return -1;
    }

    private static long toFileOffset(ByteBuffer b, long phoff, int phentsize, int phnum, long vaddr) {
        for (int i = 0; i < phnum; i++) {
            int ph = Math.toIntExact(phoff + (long) i * phentsize);
            if (b.getInt(ph) != PT_LOAD) {
                continue;
            }
            long off = b.getLong(ph + 0x08), va = b.getLong(ph + 0x10), filesz = b.getLong(ph + 0x20);
            if (vaddr >= va && vaddr < va + filesz) {
                return vaddr - va + off;
            }
        }
        return -1;
    }

    /** The name at start, or null when it is shorter than {@code shortest} or too long for any we want. */
    private static String cString(ByteBuffer b, long start, long limit, int shortest) {
        if (start >= limit) {
            return null;
        }
        int s = Math.toIntExact(start);
        int e = s;
        while (e < limit && e - s < 64 && b.get(e) != 0) {
            e++;
        }
        // every name we want is short: skip the long C++ ones without building a String
        if (e - s >= 64 || e - s < shortest) { // NSPR's PR_Read is 7 characters
            return null;
        }
        byte[] name = new byte[e - s];
        b.get(s, name);
        return new String(name, StandardCharsets.US_ASCII);
    }
}
