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

    private final Path dir;
    private Path mappingsDir;
    private Path filesDir;

    private StubDirectory(Path dir) {
        this.dir = dir;
    }

    /** The directories made now. */
    static StubDirectory open(Path dir) throws IOException {
        StubDirectory d = new StubDirectory(dir);
        d.made();
        return d;
    }

    /** The directories made at the first file written into them. */
    static StubDirectory lazy(Path dir) {
        return new StubDirectory(dir);
    }

    private void made() throws IOException {
        if (mappingsDir == null) {
            filesDir = directory(dir.resolve("__files"));
            mappingsDir = directory(dir.resolve("mappings"));
        }
    }

    private static Path directory(Path d) throws IOException {
        if (Files.isSymbolicLink(d)) {
            throw new IOException(d + " is a symbolic link: stubs are written only into a real directory");
        }
        return Files.createDirectories(d);
    }

    @Override
    public void mapping(String file, StubDraft stub) throws IOException {
        made();
        write(mappingsDir, file, StubJson.bytes(stub));
    }

    /** A mapping of WireMock's model, in the layout {@link StubJson} writes. */
    void mapping(String file, StubMapping m) throws IOException {
        made();
        write(mappingsDir, file, (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void bodyFile(String file, byte[] bytes) throws IOException {
        made();
        write(filesDir, file, bytes);
    }

    /** Removes the files of a stub that was written and is no longer one (null: none), but those it still shares with {@code kept}. */
    void delete(StubGenerator.StubFiles old, StubGenerator.StubFiles kept) throws IOException {
        if (old == null) {
            return;
        }
        if (kept == null || !old.mapping().equals(kept.mapping())) {
            Files.deleteIfExists(mappingsDir.resolve(old.mapping()));
        }
        if (old.bodyFile() != null && (kept == null || !old.bodyFile().equals(kept.bodyFile()))) {
            Files.deleteIfExists(filesDir.resolve(old.bodyFile()));
        }
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
        } catch (IOException e) {
            if (Files.isSymbolicLink(target)) { // ELOOP comes as a bare IOException, naming no file
                throw new IOException(target + " is a symbolic link: stubs are never written through one (remove it)", e);
            }
            throw e;
        }
    }
}
