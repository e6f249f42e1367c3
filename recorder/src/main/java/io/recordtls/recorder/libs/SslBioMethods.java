package io.recordtls.recorder.libs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the read and write methods of OpenSSL's SSL BIO ({@code BIO_f_ssl}) in a library whose
 * symbol table was stripped: they are static functions of bio_ssl.c that call OpenSSL's internal
 * ssl_read_internal/ssl_write_internal, so programs doing their I/O through an SSL BIO never call
 * SSL_read/SSL_write. The exported {@code BIO_f_ssl()} returns the address of bio_ssl.c's
 * {@code BIO_METHOD}; its bwrite and bread members point at the two functions.
 *
 * <p>Reads x86-64 ELF files of OpenSSL 1.1.1 and 3.x (the {@code BIO_METHOD} layout with size_t
 * bread/bwrite members). BoringSSL's and LibreSSL's SSL BIOs call SSL_read/SSL_write, which are
 * probed anyway.
 */
public final class SslBioMethods {
    /** File offsets of the two methods, and where struct bio_st keeps its data pointer (BIO_get_data). */
    public record Found(long readOffset, long writeOffset, int bioDataOffset) {}

    private static final int PT_LOAD = 1, SHT_RELA = 4, R_X86_64_RELATIVE = 8, EM_X86_64 = 62;
    /** BIO_TYPE_SSL: (7 | BIO_TYPE_FILTER), the method table's first member. */
    private static final int BIO_TYPE_SSL = 7 | 0x0200;
    /** BIO_METHOD members: int type, char *name, bwrite, bwrite_old, bread, bread_old, ... (the SSL BIO has no _old ones) */
    private static final int BWRITE = 16, BWRITE_OLD = 24, BREAD = 32, BREAD_OLD = 40;
    /** struct bio_st's ptr: OpenSSL 3 has an OSSL_LIB_CTX * first, 1.1.1 does not. */
    private static final int BIO_DATA_OPENSSL_3 = 0x40, BIO_DATA_OPENSSL_1_1 = 0x38;

    private SslBioMethods() {}

    /** The SSL BIO's methods, when the file defines BIO_f_ssl and its code and data read as expected. */
    public static Optional<Found> find(Path file) throws IOException {
        Map<String, Long> symbols = ElfSymbols.functionOffsets(file, Set.of("BIO_f_ssl", "BIO_get_data", "SSL_CTX_new_ex", "SSL_read_ex"));
        Long bioFSsl = symbols.get("BIO_f_ssl");
        if (bioFSsl == null || !symbols.containsKey("SSL_read_ex")) {
            return Optional.empty(); // SSL_read_ex: OpenSSL 1.1.1 or later, the size_t BIO methods
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getShort(0x12) != EM_X86_64) {
                return Optional.empty();
            }
            Elf elf = new Elf(b);
            long methods = returnedAddress(elf, bioFSsl);
            long methodsOff = elf.fileOffset(methods);
            if (methods < 0 || methodsOff < 0 || methodsOff + BREAD_OLD + 8 > b.capacity() || b.getInt((int) methodsOff) != BIO_TYPE_SSL) {
                return Optional.empty();
            }
            if (elf.pointerAt(methods + BWRITE_OLD) != 0 || elf.pointerAt(methods + BREAD_OLD) != 0) {
                return Optional.empty(); // not OpenSSL's layout (BoringSSL's has int bwrite, bread, bputs there)
            }
            long writeAddress = elf.pointerAt(methods + BWRITE), readAddress = elf.pointerAt(methods + BREAD);
            long write = writeAddress > 0 ? elf.fileOffset(writeAddress) : -1;
            long read = readAddress > 0 ? elf.fileOffset(readAddress) : -1;
            if (read < 0 || write < 0) {
                return Optional.empty();
            }
            Long getData = symbols.get("BIO_get_data");
            int dataOffset = getData != null ? movFromRdi(b, getData)
                    : symbols.containsKey("SSL_CTX_new_ex") ? BIO_DATA_OPENSSL_3 : BIO_DATA_OPENSSL_1_1;
            return dataOffset < 0 ? Optional.empty() : Optional.of(new Found(read, write, dataOffset));
        } catch (IndexOutOfBoundsException | ArithmeticException e) {
            return Optional.empty(); // not laid out as an ELF file we read: no SSL BIO probes
        }
    }

    /**
     * Whether the library is OpenSSL 1.1.1 or later with an SSL BIO whose methods were not found
     * (a build or architecture whose code or data do not read as expected): its users are missed.
     */
    public static boolean unlocated(io.recordtls.recorder.capture.TlsLibrary lib) {
        var fns = lib.offsets().keySet();
        if (fns.contains(io.recordtls.recorder.capture.CaptureEvent.TlsFunction.BIO_f_ssl_read)
                || !fns.contains(io.recordtls.recorder.capture.CaptureEvent.TlsFunction.SSL_read_ex)) {
            return false;
        }
        try {
            return ElfSymbols.functionOffsets(lib.path(), Set.of("BIO_f_ssl")).containsKey("BIO_f_ssl");
        } catch (IOException e) {
            return false; // unreadable now: attaching said what there was to say
        }
    }

    /**
     * The address a function returning a constant pointer returns: {@code [endbr64;] lea
     * rel32(%rip),%rax; ret} in a shared library or PIE, {@code mov $imm32,%eax; ret} in a
     * fixed-address executable (node). -1 for any other code.
     */
    private static long returnedAddress(Elf elf, long off) {
        ByteBuffer b = elf.b;
        int p = Math.toIntExact(off);
        if (b.getInt(p) == 0xfa1e0ff3) { // endbr64 (f3 0f 1e fa)
            p += 4;
        }
        if (b.get(p) == (byte) 0xb8 && b.get(p + 5) == (byte) 0xc3) {
            return Integer.toUnsignedLong(b.getInt(p + 1));
        }
        if (b.get(p) != 0x48 || b.get(p + 1) != (byte) 0x8d || b.get(p + 2) != 0x05 || b.get(p + 7) != (byte) 0xc3) {
            return -1;
        }
        long next = elf.address(p + 7);
        return next < 0 ? -1 : next + b.getInt(p + 3);
    }

    /** XX of {@code [endbr64;] mov XX(%rdi),%rax} at file offset off (BIO_get_data's body), or -1. */
    private static int movFromRdi(ByteBuffer b, long off) {
        int p = Math.toIntExact(off);
        if (b.getInt(p) == 0xfa1e0ff3) {
            p += 4;
        }
        if (b.get(p) != 0x48 || b.get(p + 1) != (byte) 0x8b || b.get(p + 2) != 0x47) {
            return -1;
        }
        return Byte.toUnsignedInt(b.get(p + 3));
    }

    /** The parts of an ELF file needed to follow a pointer in initialised data. */
    private static final class Elf {
        final ByteBuffer b;
        final long phoff, shoff;
        final int phentsize, phnum, shentsize, shnum;

        Elf(ByteBuffer b) {
            this.b = b;
            phoff = b.getLong(0x20);
            shoff = b.getLong(0x28);
            phentsize = Short.toUnsignedInt(b.getShort(0x36));
            phnum = Short.toUnsignedInt(b.getShort(0x38));
            shentsize = Short.toUnsignedInt(b.getShort(0x3a));
            shnum = Short.toUnsignedInt(b.getShort(0x3c));
        }

        long fileOffset(long vaddr) {
            return ElfSymbols.toFileOffset(b, vaddr);
        }

        long address(long fileOffset) {
            for (int i = 0; i < phnum; i++) {
                int ph = Math.toIntExact(phoff + (long) i * phentsize);
                long off = b.getLong(ph + 0x08), va = b.getLong(ph + 0x10), filesz = b.getLong(ph + 0x20);
                if (b.getInt(ph) == PT_LOAD && fileOffset >= off && fileOffset < off + filesz) {
                    return fileOffset - off + va;
                }
            }
            return -1;
        }

        /**
         * The pointer stored at vaddr once loaded: in a shared library or PIE the loader writes it
         * from an R_X86_64_RELATIVE relocation's addend (the file holds 0 there); in a fixed-address
         * executable the file holds it.
         */
        long pointerAt(long vaddr) {
            for (int i = 0; i < shnum; i++) {
                int sh = Math.toIntExact(shoff + (long) i * shentsize);
                if (b.getInt(sh + 4) != SHT_RELA) {
                    continue;
                }
                long off = b.getLong(sh + 0x18), size = b.getLong(sh + 0x20), ent = b.getLong(sh + 0x38);
                if (ent < 24) {
                    continue;
                }
                for (long r = off; r + ent <= off + size; r += ent) {
                    int p = Math.toIntExact(r);
                    if (b.getLong(p) == vaddr && (b.getLong(p + 8) & 0xffffffffL) == R_X86_64_RELATIVE) {
                        return b.getLong(p + 16);
                    }
                }
            }
            long off = fileOffset(vaddr);
            return off < 0 ? -1 : b.getLong(Math.toIntExact(off));
        }
    }
}
