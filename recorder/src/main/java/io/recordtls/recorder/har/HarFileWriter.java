package io.recordtls.recorder.har;

import com.fasterxml.jackson.databind.ObjectMapper;
import de.sstoehr.harreader.model.HarCreatorBrowser;
import de.sstoehr.harreader.model.HarEntry;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a HAR file without holding the recording in memory: each entry is serialized as soon
 * as it is complete into a spool file; at the end the entries are copied in start order into
 * the HAR, which appears atomically (written beside it, then renamed).
 */
public final class HarFileWriter implements AutoCloseable {
    private record Spooled(long startNanos, long seq, long offset, int length) {}

    private final ObjectMapper mapper = HarJson.mapper();
    private final Path spoolPath;
    private final RandomAccessFile spool;
    private final List<Spooled> index = new ArrayList<>();
    private long seq;

    public HarFileWriter() {
        try {
            spoolPath = Files.createTempFile("recordtls-", ".spool");
            spool = new RandomAccessFile(spoolPath.toFile(), "rw");
        } catch (IOException e) {
            throw new UncheckedIOException("create HAR spool file", e);
        }
    }

    /** Adds one entry; {@code startNanos} orders entries (monotonic time of the request's first byte). */
    public synchronized void add(long startNanos, HarEntry entry) {
        try {
            byte[] json = indent(mapper.writeValueAsBytes(entry), "      ");
            long offset = spool.length();
            spool.seek(offset);
            spool.write(json);
            index.add(new Spooled(startNanos, seq++, offset, json.length));
        } catch (IOException e) {
            throw new UncheckedIOException("spool HAR entry", e);
        }
    }

    public synchronized int size() {
        return index.size();
    }

    /**
     * Writes the HAR 1.2 file. {@code logExtras} become custom fields of "log" (names start with _).
     */
    public synchronized void writeTo(Path har, String creatorVersion, String comment, Map<String, Object> logExtras) {
        Path dir = har.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + har.getFileName(), ".tmp");
            try {
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                    Map<String, Object> head = new LinkedHashMap<>();
                    head.put("version", "1.2");
                    head.put("creator", HarCreatorBrowser.builder().name("recordtls").version(creatorVersion).build());
                    if (comment != null) {
                        head.put("comment", comment);
                    }
                    out.write("{\n  \"log\" : {\n".getBytes(StandardCharsets.UTF_8));
                    writeFields(out, head);
                    out.write(",\n    \"pages\" : [ ],\n    \"entries\" : [".getBytes(StandardCharsets.UTF_8));
                    List<Spooled> ordered = new ArrayList<>(index);
                    ordered.sort(Comparator.comparingLong(Spooled::startNanos).thenComparingLong(Spooled::seq));
                    byte[] buf = new byte[1 << 16];
                    for (int i = 0; i < ordered.size(); i++) {
                        Spooled s = ordered.get(i);
                        out.write((i == 0 ? "\n      " : ",\n      ").getBytes(StandardCharsets.UTF_8));
                        copy(s, out, buf);
                    }
                    out.write((ordered.isEmpty() ? " ]" : "\n    ]").getBytes(StandardCharsets.UTF_8));
                    if (!logExtras.isEmpty()) {
                        out.write(",\n".getBytes(StandardCharsets.UTF_8));
                        writeFields(out, logExtras);
                        out.write("\n  }\n}\n".getBytes(StandardCharsets.UTF_8));
                    } else {
                        out.write("\n  }\n}\n".getBytes(StandardCharsets.UTF_8));
                    }
                }
                // a temp file is 0600; a recording is shared like any source file
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                Files.move(tmp, har, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("write HAR " + har, e);
        }
    }

    /** Writes "name" : value pairs at the indentation of log's fields, separated by commas. */
    private void writeFields(OutputStream out, Map<String, Object> fields) throws IOException {
        String sep = "";
        for (Map.Entry<String, Object> f : fields.entrySet()) {
            out.write((sep + "    " + mapper.writeValueAsString(f.getKey()) + " : ").getBytes(StandardCharsets.UTF_8));
            out.write(indent(mapper.writeValueAsBytes(f.getValue()), "    "));
            sep = ",\n";
        }
    }

    private void copy(Spooled s, OutputStream out, byte[] buf) throws IOException {
        spool.seek(s.offset());
        long left = s.length();
        while (left > 0) {
            int n = spool.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("spool file ended early");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    /** Prefixes every line but the first with {@code pad}: JSON strings hold no raw newlines. */
    private static byte[] indent(byte[] json, String pad) {
        String s = new String(json, StandardCharsets.UTF_8);
        return (pad + s.replace("\n", "\n" + pad)).substring(pad.length()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void close() {
        try {
            spool.close();
            Files.deleteIfExists(spoolPath);
        } catch (IOException e) {
            throw new UncheckedIOException("remove HAR spool " + spoolPath, e);
        }
    }
}
