package io.recordtls.recorder.libs;

import io.recordtls.recorder.capture.TlsLibrary;
import io.recordtls.recorder.capture.CaptureEvent.TlsFunction;
import io.recordtls.recorder.capture.CaptureEvent.TlsStack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Decides whether a file is a library of a TLS stack we can probe, and where its functions are. */
public final class TlsLibraryInspector {
    /** The stacks found by their exported symbols (Go's functions are found in its function table: GoTlsInspector). */
    private static final Set<TlsStack> BY_SYMBOL = java.util.EnumSet.of(TlsStack.OPENSSL, TlsStack.GNUTLS, TlsStack.NSS);
    private static final Set<String> NAMES = Stream.of(TlsFunction.values()).filter(TlsFunction::exported)
            .map(Enum::name).collect(Collectors.toSet());

    /** Where Debian, Ubuntu, Fedora and Alpine keep the system libssl. */
    private static final List<String> SYSTEM_LIBSSL = List.of(
            "/usr/lib/x86_64-linux-gnu/libssl.so.3", "/lib/x86_64-linux-gnu/libssl.so.3",
            "/usr/lib/aarch64-linux-gnu/libssl.so.3", "/usr/lib64/libssl.so.3", "/usr/lib/libssl.so.3",
            "/lib/libssl.so.3",
            "/usr/lib/x86_64-linux-gnu/libssl.so.1.1", "/usr/lib64/libssl.so.1.1", "/usr/lib/libssl.so.1.1");

    private TlsLibraryInspector() {}

    /**
     * The library, when the file defines the required functions of a stack (OpenSSL: SSL_read and
     * SSL_write; GnuTLS: gnutls_record_recv and gnutls_record_send; NSPR, under NSS: PR_Read and
     * PR_Write), with every function of such a stack it defines. NSS's SSL library (it defines
     * SSL_ImportFD) is one too, probed by nothing: the kernel knows NSS's SSL fds by its code.
     */
    public static Optional<TlsLibrary> inspect(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Map<String, Long> found = ElfSymbols.functionOffsets(file, NAMES);
        Map<TlsFunction, Long> offsets = new EnumMap<>(TlsFunction.class);
        for (TlsStack stack : BY_SYMBOL) {
            List<TlsFunction> functions = Stream.of(TlsFunction.values()).filter(fn -> fn.stack() == stack && fn.exported()).toList();
            if (functions.stream().filter(TlsFunction::required).allMatch(fn -> found.containsKey(fn.name()))) {
                functions.stream().filter(fn -> found.containsKey(fn.name())).forEach(fn -> offsets.put(fn, found.get(fn.name())));
            }
        }
        if (found.containsKey(TlsFunction.SSL_ImportFD.name())) {
            offsets.put(TlsFunction.SSL_ImportFD, found.get(TlsFunction.SSL_ImportFD.name()));
        }
        if (offsets.isEmpty()) {
            return Optional.empty();
        }
        // Programs doing their I/O through an SSL BIO (openssl s_server -WWW) call neither SSL_read nor SSL_write.
        Optional<SslBioMethods.Found> bio = offsets.containsKey(TlsFunction.SSL_read) ? SslBioMethods.find(file) : Optional.empty();
        bio.ifPresent(b -> {
            offsets.put(TlsFunction.BIO_f_ssl_read, b.readOffset());
            offsets.put(TlsFunction.BIO_f_ssl_write, b.writeOffset());
        });
        String name = sonameOf(name(file), ElfSymbols.soname(file));
        if (offsets.keySet().stream().anyMatch(fn -> fn.stack() == TlsStack.NSS)) {
            name += " (NSS)"; // libnspr4.so alone would not say which TLS stack a connection went through
        }
        return Optional.of(TlsLibrary.ofCalls(file, name, fileId(file), offsets,
                bio.map(SslBioMethods.Found::bioDataOffset).orElse(0)));
    }

    /** The system's libssl files (deduplicated: the /lib and /usr/lib paths are often the same file). */
    public static List<TlsLibrary> systemLibraries() {
        Map<TlsLibrary.FileId, TlsLibrary> libs = new java.util.LinkedHashMap<>();
        for (String candidate : SYSTEM_LIBSSL) {
            try {
                inspect(Path.of(candidate)).ifPresent(lib -> libs.putIfAbsent(lib.id(), lib));
            } catch (IOException e) {
                // unreadable candidate: not a library we can use
            }
        }
        return List.copyOf(libs.values());
    }

    /**
     * The file's own name, through symbolic links ("libssl.so" -> "libssl.so.3"). Not
     * toRealPath(): a path into a container (/proc/PID/root/...) would resolve in our own file
     * system, where the file may not exist.
     */
    static String name(Path file) throws IOException {
        Path p = file;
        for (int i = 0; i < 16 && Files.isSymbolicLink(p); i++) {
            Path target = Files.readSymbolicLink(p);
            if (target.getFileName() == null) {
                break;
            }
            p = target.isAbsolute() ? Path.of(target.getFileName().toString()) : p.resolveSibling(target);
            if (target.isAbsolute()) {
                break; // absolute in the file's own namespace: its name is all we can trust
            }
        }
        return stableName(p.getFileName().toString());
    }

    /** What /proc links show for a file that was deleted after it was opened or mapped. */
    private static final String DELETED = " (deleted)";

    /**
     * The soname for a file that is a release of it (libgnutls.so.30.34.3 -> libgnutls.so.30): what
     * programs link against, the same across the library's minor updates, so that a committed HAR
     * does not change with one. Any other name (a loader's extracted copy, an executable) stays.
     */
    static String sonameOf(String fileName, String soname) {
        return soname != null && fileName.startsWith(soname + ".") ? soname : fileName;
    }

    /**
     * The random number File.createTempFile puts in the name of the copy a loader extracts (netty:
     * libnetty_tcnative_linux_x86_64 + 4183...112 + .so), after an architecture's "64" if any.
     */
    private static final java.util.regex.Pattern EXTRACTED_COPY = java.util.regex.Pattern.compile(
            "^(lib[\\w.+-]*?(?:(?:x86|aarch|ppcle|s390|riscv)_64|[A-Za-z_]))\\d{12,}(\\.so(\\.[\\d.]+)?)$");

    /**
     * The name a HAR shows for a library: what it is, the same from one recording to the next (a
     * committed HAR must not change because a loader drew another temporary file name).
     */
    static String stableName(String fileName) {
        if (fileName.endsWith(DELETED)) { // reached through /proc/PID/map_files or /proc/PID/fd
            fileName = fileName.substring(0, fileName.length() - DELETED.length());
        }
        java.util.regex.Matcher m = EXTRACTED_COPY.matcher(fileName);
        return m.matches() ? m.group(1) + m.group(2) : fileName;
    }

    public static TlsLibrary.FileId fileId(Path file) throws IOException {
        return new TlsLibrary.FileId(
                ((Number) Files.getAttribute(file, "unix:dev")).longValue(),
                ((Number) Files.getAttribute(file, "unix:ino")).longValue());
    }
}
