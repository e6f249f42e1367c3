package io.recordtls.recorder.har;

import io.recordtls.har.HarJson;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.sstoehr.harreader.model.HarCreatorBrowser;
import de.sstoehr.harreader.model.HarEntry;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes a HAR file without holding the recording in memory: each entry is serialized as soon
 * as it is complete into a spool file; at the end the entries are copied in start order into
 * the HAR, which appears atomically (written beside it, then renamed).
 */
public final class HarFileWriter implements AutoCloseable {
    private record Spooled(long startNanos, long seq, long offset, int length) {}

    /** Entries are spooled compact: pretty-printing happens once, when the HAR is written. */
    private final ObjectMapper compact = HarJson.mapper().registerModule(new com.fasterxml.jackson.module.blackbird.BlackbirdModule()).disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    private final ObjectMapper pretty = HarJson.mapper().registerModule(new com.fasterxml.jackson.module.blackbird.BlackbirdModule());
    private final Path spoolPath;
    private final RandomAccessFile spool;
    /** Appends go through a buffer: two syscalls per entry showed at ten thousand entries a second. */
    private final OutputStream appender;
    private final List<Spooled> index = new ArrayList<>();
    private long spooled;
    private long seq;

    public HarFileWriter() {
        try {
            // O_EXCL, mode 0600, a random name; unlinked as soon as both ends are open, so that no
            // exit, however abrupt, leaves a recording's plaintext in the temp directory
            spoolPath = Files.createTempFile("recordtls-", ".spool");
            try {
                spool = new RandomAccessFile(spoolPath.toFile(), "r");
                appender = new BufferedOutputStream(Files.newOutputStream(spoolPath, java.nio.file.StandardOpenOption.APPEND,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS), 1 << 20);
            } finally {
                Files.deleteIfExists(spoolPath);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("create HAR spool file", e);
        }
    }

    /** Adds one entry; {@code startNanos} orders entries (monotonic time of the request's first byte). */
    public synchronized void add(long startNanos, HarEntry entry) {
        try {
            byte[] json = compact.writeValueAsBytes(entry);
            appender.write(json);
            index.add(new Spooled(startNanos, seq++, spooled, json.length));
            spooled += json.length;
        } catch (IOException e) {
            throw new UncheckedIOException("spool HAR entry", e);
        }
    }

    /**
     * Writes the HAR 1.2 file: entries in start order, pretty-printed, streamed from the spool
     * (memory does not grow with the recording). {@code logExtras} become custom fields of
     * "log" (names start with _).
     */
    public synchronized void writeTo(Path har, String creatorVersion, String comment, Map<String, Object> logExtras) {
        Path dir = har.toAbsolutePath().getParent();
        try {
            appender.flush();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + har.getFileName(), ".tmp");
            try {
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
                     JsonGenerator gen = pretty.getFactory().createGenerator(out)) {
                    gen.setCodec(pretty);
                    gen.useDefaultPrettyPrinter();
                    gen.writeStartObject();
                    gen.writeObjectFieldStart("log");
                    gen.writeStringField("version", "1.2");
                    gen.writeObjectField("creator", HarCreatorBrowser.builder().name("recordtls").version(creatorVersion).build());
                    if (comment != null) {
                        gen.writeStringField("comment", comment);
                    }
                    gen.writeArrayFieldStart("pages");
                    gen.writeEndArray();
                    gen.writeArrayFieldStart("entries");
                    List<Spooled> ordered = new ArrayList<>(index);
                    ordered.sort(Comparator.comparingLong(Spooled::startNanos).thenComparingLong(Spooled::seq));
                    byte[] buf = new byte[1 << 16];
                    for (Spooled s : ordered) {
                        byte[] json = read(s, buf);
                        try (JsonParser p = compact.getFactory().createParser(json)) {
                            p.nextToken();
                            gen.copyCurrentStructure(p);
                        }
                    }
                    gen.writeEndArray();
                    for (Map.Entry<String, Object> f : logExtras.entrySet()) {
                        gen.writeObjectField(f.getKey(), f.getValue());
                    }
                    gen.writeEndObject();
                    gen.writeEndObject();
                    gen.writeRaw('\n');
                }
                // a temp file is 0600; a recording gets the mode of any new file of this user (umask)
                Files.setPosixFilePermissions(tmp, FileModes.newFile(FileModes.umask(ProcessHandle.current().pid())));
                Files.move(tmp, har, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("write HAR " + har, e);
        }
    }

    private byte[] read(Spooled s, byte[] buf) throws IOException {
        byte[] json = s.length() <= buf.length ? buf : new byte[s.length()];
        spool.seek(s.offset());
        spool.readFully(json, 0, s.length());
        return s.length() == json.length ? json : java.util.Arrays.copyOf(json, s.length());
    }

    @Override
    public synchronized void close() {
        try {
            appender.close();
            spool.close();
        } catch (IOException e) {
            throw new UncheckedIOException("close HAR spool " + spoolPath, e);
        }
    }
}
