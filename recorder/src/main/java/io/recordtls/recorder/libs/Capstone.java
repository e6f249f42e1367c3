package io.recordtls.recorder.libs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The x86-64 disassembler of the capstone library (Debian: libcapstone4), bound through FFM: the
 * RET instructions of a Go function are where its return is probed, and only a real decoder
 * tells a RET opcode from the same byte inside another instruction.
 */
final class Capstone {
    private static final int CS_ARCH_X86 = 3, CS_MODE_64 = 8;
    /** What a machine without capstone is told. */
    static final String MISSING = "libcapstone4 missing: apt-get install libcapstone4";

    private static final Binding BINDING = bind();

    private record Binding(MethodHandle open, MethodHandle disasm, MethodHandle free, MethodHandle close,
                           int insnSize, int mnemonicOffset, String problem) {}

    private Capstone() {}

    /** Null when the disassembler can be used, else why not. */
    static String problem() {
        return BINDING.problem();
    }

    /**
     * Offsets (from the start of {@code code}) of the RET instructions in one function's machine
     * code. Decoding stops at bytes that are no instruction (capstone's rule); Go pads functions
     * with INT3, which decodes.
     */
    /** The RET instructions of a function, and how many of its bytes decoded (decoding stops at bytes it cannot read). */
    record Decoded(List<Integer> rets, int decodedBytes) {}

    static Decoded retOffsets(byte[] code) {
        if (BINDING.problem() != null) {
            throw new IllegalStateException(BINDING.problem());
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(JAVA_LONG);
            int err = (int) BINDING.open().invokeExact(CS_ARCH_X86, CS_MODE_64, handle);
            if (err != 0) {
                throw new IllegalStateException("capstone cs_open failed: error " + err);
            }
            long csh = handle.get(JAVA_LONG, 0);
            try {
                MemorySegment buf = arena.allocate(code.length);
                MemorySegment.copy(code, 0, buf, JAVA_BYTE, 0, code.length);
                MemorySegment insnOut = arena.allocate(ADDRESS);
                long count = (long) BINDING.disasm().invokeExact(csh, buf, (long) code.length, 0L, 0L, insnOut);
                MemorySegment insns = insnOut.get(ADDRESS, 0).reinterpret(count * BINDING.insnSize());
                List<Integer> rets = new ArrayList<>();
                int end = 0;
                try {
                    for (long i = 0; i < count; i++) {
                        long at = i * BINDING.insnSize();
                        int address = (int) insns.get(JAVA_LONG, at + 8); // cs_insn.address: we decoded at 0
                        end = address + Short.toUnsignedInt(insns.get(java.lang.foreign.ValueLayout.JAVA_SHORT, at + 16));
                        String mnemonic = insns.getString(at + BINDING.mnemonicOffset(), StandardCharsets.US_ASCII);
                        if (mnemonic.equals("ret")) {
                            rets.add(address);
                        }
                    }
                } finally {
                    BINDING.free().invokeExact(insnOut.get(ADDRESS, 0), count);
                }
                return new Decoded(rets, end);
            } finally {
                int ignored = (int) BINDING.close().invokeExact(handle);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("capstone: " + t, t);
        }
    }

    private static Binding bind() {
        SymbolLookup lib = null;
        for (String name : List.of("libcapstone.so.4", "libcapstone.so.5", "libcapstone.so")) {
            try {
                lib = SymbolLookup.libraryLookup(name, Arena.global());
                break;
            } catch (IllegalArgumentException notFound) {
                // try the next name
            }
        }
        if (lib == null) {
            return new Binding(null, null, null, null, 0, 0, MISSING);
        }
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle version = linker.downcallHandle(lib.find("cs_version").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            int major = (int) version.invokeExact(MemorySegment.NULL, MemorySegment.NULL) >> 8;
            // cs_insn: id u32, address u64 @8, size u16 @16, bytes[16 in v4, 24 in v5], mnemonic[32], op_str[160], detail*
            int bytes = switch (major) {
                case 4 -> 16;
                case 5 -> 24;
                default -> -1;
            };
            if (bytes < 0) {
                return new Binding(null, null, null, null, 0, 0, "capstone " + major + " is not supported (4 or 5 is)");
            }
            int mnemonic = 18 + bytes;
            int detail = (mnemonic + 32 + 160 + 7) & ~7;
            return new Binding(
                    linker.downcallHandle(lib.find("cs_open").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS)),
                    linker.downcallHandle(lib.find("cs_disasm").orElseThrow(),
                            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS)),
                    linker.downcallHandle(lib.find("cs_free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG)),
                    linker.downcallHandle(lib.find("cs_close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS)),
                    detail + 8, mnemonic, null);
        } catch (Throwable t) {
            return new Binding(null, null, null, null, 0, 0, "capstone could not be bound: " + t.getMessage());
        }
    }
}
