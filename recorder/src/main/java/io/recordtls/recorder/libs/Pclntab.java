package io.recordtls.recorder.libs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Function entries and ends from the table the Go runtime keeps for stack traces (pclntab): a
 * stripped Go binary (-ldflags='-s -w') has no .symtab but still has this. Layouts of Go 1.16/1.17
 * (magic 0xfffffffa) and 1.18 and later (0xfffffff0, 0xfffffff1 from 1.20). Non-PIE binaries
 * keep it in .gopclntab, PIE ones in .data.rel.ro.gopclntab; without either it is found by its header.
 */
final class Pclntab {
    private static final int GO116 = 0xfffffffa, GO118 = 0xfffffff0, GO120 = 0xfffffff1;

    private Pclntab() {}

    /** Those of {@code wanted} the table lists, with file offsets and sizes; empty when there is no table. */
    static Map<String, ElfSymbols.Function> functions(ByteBuffer b, Set<String> wanted) {
        for (String section : new String[] {".gopclntab", ".data.rel.ro.gopclntab"}) {
            int sh = ElfSymbols.section(b, section);
            if (sh >= 0) {
                return read(b, Math.toIntExact(b.getLong(sh + 0x18)), wanted);
            }
        }
        // section names are not guaranteed (another linker, a packer): find the header itself
        for (int at = 0; at + 72 <= b.capacity(); at += 8) { // the table is pointer-aligned
            int magic = b.getInt(at);
            if ((magic == GO118 || magic == GO120 || magic == GO116) && b.getShort(at + 4) == 0
                    && b.get(at + 6) == 1 && b.get(at + 7) == 8) {
                Map<String, ElfSymbols.Function> found = read(b, at, wanted);
                if (!found.isEmpty()) {
                    return found;
                }
            }
        }
        return Map.of();
    }

    private static Map<String, ElfSymbols.Function> read(ByteBuffer b, int base, Set<String> wanted) {
        try {
            int magic = b.getInt(base);
            boolean go118 = magic == GO118 || magic == GO120;
            if (!go118 && magic != GO116) {
                return Map.of();
            }
            long nfunc = b.getLong(base + 8);
            long textStart = go118 ? b.getLong(base + 24) : 0;
            int h = go118 ? 32 : 24; // funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset follow
            int funcnames = Math.toIntExact(base + b.getLong(base + h));
            int pcln = Math.toIntExact(base + b.getLong(base + h + 32));
            if (nfunc <= 0 || nfunc > 10_000_000) {
                return Map.of();
            }
            if (go118 && textStart == 0) {
                // PIE: the field is filled in by a relocation at load; the runtime's text starts .text
                int text = ElfSymbols.section(b, ".text");
                if (text < 0) {
                    return Map.of();
                }
                textStart = b.getLong(text + 0x10);
            }
            int entrySize = go118 ? 8 : 16;
            Map<String, ElfSymbols.Function> found = new HashMap<>();
            for (int i = 0; i < nfunc && found.size() < wanted.size(); i++) {
                int e = pcln + i * entrySize;
                long entry, next, funcoff;
                int nameoff;
                if (go118) {
                    entry = textStart + Integer.toUnsignedLong(b.getInt(e));
                    funcoff = Integer.toUnsignedLong(b.getInt(e + 4));
                    next = textStart + Integer.toUnsignedLong(b.getInt(e + entrySize));
                    nameoff = b.getInt(Math.toIntExact(pcln + funcoff + 4));
                } else {
                    entry = b.getLong(e);
                    funcoff = b.getLong(e + 8);
                    next = b.getLong(e + entrySize);
                    nameoff = b.getInt(Math.toIntExact(pcln + funcoff + 8));
                }
                String name = name(b, funcnames + nameoff);
                if (name != null && wanted.contains(name)) {
                    long offset = ElfSymbols.toFileOffset(b, entry);
                    if (offset >= 0 && next > entry) {
                        found.put(name, new ElfSymbols.Function(offset, next - entry));
                    }
                }
            }
            return found;
        } catch (IndexOutOfBoundsException | ArithmeticException e) {
            return Map.of(); // not a table after all
        }
    }

    private static String name(ByteBuffer b, int at) {
        int end = at;
        while (end < b.capacity() && end - at < 128 && b.get(end) != 0) {
            end++;
        }
        if (end - at >= 128 || end == at) {
            return null;
        }
        byte[] s = new byte[end - at];
        b.get(at, s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
