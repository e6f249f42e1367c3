package io.recordtls.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** PATH lookup, as a shell does it. */
final class Executables {
    private Executables() {}

    /** The absolute path of a command name, or null. Names with a slash are taken as paths. */
    static String find(String name) {
        if (name.contains("/")) {
            return Files.exists(Path.of(name)) ? Path.of(name).toAbsolutePath().toString() : null;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath().toString();
            }
        }
        return null;
    }
}
