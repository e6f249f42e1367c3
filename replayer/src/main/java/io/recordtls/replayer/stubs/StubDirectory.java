package io.recordtls.replayer.stubs;

import com.github.tomakehurst.wiremock.common.Json;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/**
 * WireMock's layout under an output directory, DIR/mappings/*.json and DIR/__files/*, written
 * only inside it: a name that is not a plain file name is refused, and no symbolic link is
 * followed (HARs come from bug reports; what they hold must not choose where files go).
 */
final class StubDirectory implements StubGenerator.Sink {
    /** A plain file name: no separator, no "..", no leading dot, short enough for any file system. */
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,150}(\\.[a-z]{1,8})?");

    private final Path mappingsDir;
    private final Path filesDir;
    private int mappings;
    private int bodyFiles;

    private StubDirectory(Path mappingsDir, Path filesDir) {
        this.mappingsDir = mappingsDir;
        this.filesDir = filesDir;
    }

    static StubDirectory open(Path dir) throws IOException {
        return new StubDirectory(directory(dir.resolve("mappings")), directory(dir.resolve("__files")));
    }

    private static Path directory(Path d) throws IOException {
        if (Files.isSymbolicLink(d)) {
            throw new IOException(d + " is a symbolic link: stubs are written only into a real directory");
        }
        return Files.createDirectories(d);
    }

    @Override
    public void mapping(String file, StubMapping m) throws IOException {
        write(mappingsDir, file, (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8));
        mappings++;
    }

    @Override
    public void bodyFile(String file, byte[] bytes) throws IOException {
        write(filesDir, file, bytes);
        bodyFiles++;
    }

    int mappings() {
        return mappings;
    }

    int bodyFiles() {
        return bodyFiles;
    }

    /** Written in place: a re-run rewrites the same names, and a temp file plus a rename per stub doubled the cost. */
    private static void write(Path dir, String name, byte[] bytes) throws IOException {
        if (!PLAIN_NAME.matcher(name).matches()) {
            throw new IOException("refusing to write a stub file named \"" + name + "\": not a plain file name");
        }
        Path target = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
            out.write(bytes);
        }
    }
}
