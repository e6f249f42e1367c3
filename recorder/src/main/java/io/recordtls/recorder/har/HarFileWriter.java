package io.recordtls.recorder.har;

import io.recordtls.har.HarJson;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.sstoehr.harreader.model.HarCreatorBrowser;
import de.sstoehr.harreader.model.HarEntry;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
    private record Spooled(long startNanos, long seq, long offset, long length) {}

    /**
     * One for every writer: a mapper's serializers (Blackbird's generated accessors among them)
     * are made on its first entries, which took 20-50 ms per entry for each new one; a recording
     * with a HAR per test made a new writer, so a new mapper, for every test.
     */
    private static final ObjectMapper MAPPER = HarJson.mapper().registerModule(new com.fasterxml.jackson.module.blackbird.BlackbirdModule());
    private final Path spoolPath;
    /**
     * Entries are spooled as they will stand in the HAR (pretty, indented at their depth), so that
     * writing the HAR copies their bytes: no parser holds a 200 MiB body's text as a char[].
     */
    private final RandomAccessFile spool;
    /** Appends go through a buffer: two syscalls per entry showed at ten thousand entries a second. */
    private final CountingOutputStream appender;
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
                appender = new CountingOutputStream(new BufferedOutputStream(Files.newOutputStream(spoolPath,
                        java.nio.file.StandardOpenOption.APPEND, java.nio.file.LinkOption.NOFOLLOW_LINKS), 1 << 20));
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
            // straight into the spool: an entry with a 200 MiB body is never a byte[] of its own
            long start = appender.count;
            JsonGenerator raw = MAPPER.getFactory().createGenerator(appender);
            raw.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            raw.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM); // the spool's buffer decides
            raw.setPrettyPrinter(new EntryPrinter());
            try (JsonGenerator gen = new StreamedBodies(raw)) {
                MAPPER.writeValue(gen, entry);
            }
            index.add(new Spooled(startNanos, seq++, start, appender.count - start));
            spooled = appender.count;
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
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                    writeTo(out, creatorVersion, comment, logExtras);
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

    /** The same HAR to a stream (left open). */
    public synchronized void writeTo(OutputStream out, String creatorVersion, String comment, Map<String, Object> logExtras) throws IOException {
        appender.flush();
        try (JsonGenerator gen = MAPPER.getFactory().createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
            gen.setCodec(MAPPER);
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
            gen.flush(); // the entries go straight to out, between the generator's "[" and "]"
            byte[] separator = " ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (Spooled s : ordered) {
                out.write(separator);
                try (InputStream in = read(s)) {
                    in.transferTo(out);
                }
                separator = ", ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            }
            gen.writeEndArray();
            for (Map.Entry<String, Object> f : logExtras.entrySet()) {
                gen.writeObjectField(f.getKey(), f.getValue());
            }
            gen.writeEndObject();
            gen.writeEndObject();
            gen.writeRaw('\n');
        }
    }

    /** One spooled entry as a stream: never a byte[] of the entry's size. */
    private InputStream read(Spooled s) {
        return new java.io.BufferedInputStream(new InputStream() {
            private long pos = s.offset();
            private final long end = s.offset() + s.length();

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= end) {
                    return -1;
                }
                int n = spool.getChannel().read(java.nio.ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
                if (n > 0) {
                    pos += n;
                }
                return n;
            }
        }, 1 << 16);
    }

    /**
     * Jackson's default pretty printer, starting as deep as an entry stands in a HAR (inside the
     * root object and "log"; arrays are inline), so a spooled entry is copied as it is.
     */
    private static final class EntryPrinter extends com.fasterxml.jackson.core.util.DefaultPrettyPrinter {
        EntryPrinter() {
            _nesting = 2;
        }

        @Override
        public EntryPrinter createInstance() {
            return new EntryPrinter();
        }
    }

    /** Writes a {@link StreamedBody} where its marker is, from its spool: never a String of the body. */
    private static final class StreamedBodies extends com.fasterxml.jackson.core.util.JsonGeneratorDelegate {
        StreamedBodies(JsonGenerator d) {
            super(d, false);
        }

        @Override
        public void writeString(String text) throws IOException {
            StreamedBody body = StreamedBody.of(text);
            if (body != null) {
                body.writeTo(delegate);
            } else {
                delegate.writeString(text);
            }
        }
    }

    /** Counts what is written, so that an entry's place in the spool is known without buffering it. */
    private static final class CountingOutputStream extends java.io.FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
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
