package io.recordtls.recorder.har;

import io.recordtls.har.HarJson;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
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
import java.util.concurrent.CompletableFuture;

/**
 * Writes a HAR file without holding the recording in memory: each entry is serialized as soon
 * as it is complete into a spool file; at the end the entries are copied in start order into
 * the HAR, which appears atomically (written beside it, then renamed).
 */
public final class HarFileWriter implements AutoCloseable {
    private record Spooled(long startNanos, long seq, long offset, long length) {}

    /**
     * The two mappers every writer of this JVM shares (a configured ObjectMapper is thread-safe):
     * entries are spooled compact, and pretty-printing happens once, when the HAR is written.
     */
    private record Mappers(ObjectMapper compact, ObjectMapper pretty) {}

    /**
     * Building the mappers and their HAR serializers costs a cold JVM the better part of a second,
     * which a recording's start would wait for. They are made on a thread of their own as soon as
     * this class is first used (a recorder starts, its eBPF programs are still loading), and
     * exercised once, so that neither the first entry nor the HAR written at stop pays for them.
     */
    private static final CompletableFuture<Mappers> MAPPERS = new CompletableFuture<>();

    static {
        Thread.ofPlatform().daemon().name("recordtls-har-warmup").start(() -> {
            try {
                Mappers m = new Mappers(
                        HarJson.mapper().registerModule(new com.fasterxml.jackson.module.blackbird.BlackbirdModule())
                                .disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT),
                        HarJson.mapper().registerModule(new com.fasterxml.jackson.module.blackbird.BlackbirdModule()));
                warmUp(m);
                MAPPERS.complete(m);
            } catch (Throwable t) {
                MAPPERS.completeExceptionally(t);
            }
        });
    }

    /** Serializes an entry like those recorded, and the log fields, into nothing: the serializers are then built. */
    private static void warmUp(Mappers m) throws IOException {
        HarEntry entry = HarEntry.builder()
                .startedDateTime(java.time.ZonedDateTime.now())
                .request(de.sstoehr.harreader.model.HarRequest.builder().method("GET").url("https://localhost/").httpVersion("HTTP/1.1")
                        .headers(List.of(de.sstoehr.harreader.model.HarHeader.builder().name("host").value("localhost").build()))
                        .headersSize(-1L).bodySize(0L).build())
                .response(de.sstoehr.harreader.model.HarResponse.builder().status(200).statusText("OK").httpVersion("HTTP/1.1")
                        .content(de.sstoehr.harreader.model.HarContent.builder().size(2L).mimeType("application/json").text("{}").build())
                        .redirectURL("").headersSize(-1L).bodySize(2L).build())
                .cache(new de.sstoehr.harreader.model.HarCache())
                .timings(de.sstoehr.harreader.model.HarTiming.builder().send(0L).waitTime(0L).receive(0L).build())
                .connection("0")
                .build();
        entry.setAdditionalField("_process", "warm-up");
        m.compact.writeValue(OutputStream.nullOutputStream(), entry);
        m.pretty.writeValue(OutputStream.nullOutputStream(), Map.of("entry", entry, "log", Map.of("counts", List.of(1L)),
                "creator", HarCreatorBrowser.builder().name("recordtls").version("0").build()));
    }

    private static Mappers mappers() {
        try {
            return MAPPERS.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("make the HAR writer's JSON mappers", e.getCause());
        }
    }

    private final Path spoolPath;
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
            ObjectMapper compact = mappers().compact();
            try (JsonGenerator gen = compact.getFactory().createGenerator(appender)) {
                gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                gen.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM); // the spool's buffer decides
                compact.writeValue(gen, entry);
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
            ObjectMapper compact = mappers().compact();
            ObjectMapper pretty = mappers().pretty();
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
                    for (Spooled s : ordered) {
                        try (JsonParser p = compact.getFactory().createParser(read(s))) {
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
