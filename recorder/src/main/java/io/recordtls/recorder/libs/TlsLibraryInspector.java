package io.recordtls.recorder.libs;

import io.recordtls.recorder.capture.CaptureEvent.TlsFunction;

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

/** Decides whether a file is a TLS library we can probe, and where its functions are. */
public final class TlsLibraryInspector {
    private static final Set<String> NAMES = Stream.of(TlsFunction.values()).map(Enum::name).collect(Collectors.toSet());

    /** Where Debian, Ubuntu, Fedora and Alpine keep the system libssl. */
    private static final List<String> SYSTEM_LIBSSL = List.of(
            "/usr/lib/x86_64-linux-gnu/libssl.so.3", "/lib/x86_64-linux-gnu/libssl.so.3",
            "/usr/lib/aarch64-linux-gnu/libssl.so.3", "/usr/lib64/libssl.so.3", "/usr/lib/libssl.so.3",
            "/lib/libssl.so.3",
            "/usr/lib/x86_64-linux-gnu/libssl.so.1.1", "/usr/lib64/libssl.so.1.1", "/usr/lib/libssl.so.1.1");

    private TlsLibraryInspector() {}

    /** The library, when the file defines SSL_read and SSL_write at least. */
    public static Optional<TlsLibrary> inspect(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Map<String, Long> found = ElfSymbols.functionOffsets(file, NAMES);
        if (!found.containsKey("SSL_read") || !found.containsKey("SSL_write")) {
            return Optional.empty();
        }
        Map<TlsFunction, Long> offsets = new EnumMap<>(TlsFunction.class);
        found.forEach((name, offset) -> offsets.put(TlsFunction.valueOf(name), offset));
        Path real = file.toRealPath();
        return Optional.of(new TlsLibrary(file, real.getFileName().toString(), fileId(file), Map.copyOf(offsets)));
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

    public static TlsLibrary.FileId fileId(Path file) throws IOException {
        return new TlsLibrary.FileId(
                ((Number) Files.getAttribute(file, "unix:dev")).longValue(),
                ((Number) Files.getAttribute(file, "unix:ino")).longValue());
    }
}
