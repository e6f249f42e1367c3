package io.recordtls.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.har.HarJson;
import io.recordtls.recorder.demo.DemoHttpsServer;
import io.recordtls.recorder.e2e.BpfRequirement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** One hostile exchange must cost neither the recorder's memory nor the rest of the run. */
class BoundedMemoryTest {
    static DemoHttpsServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() throws IOException {
        server = DemoHttpsServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void aGzipBombIsKeptAsSentAndTheRunsOtherExchangesAreWritten() throws Exception {
        BpfRequirement.check();
        Path har = tmp.resolve("bomb.har"), out = tmp.resolve("bomb.out");
        String curl = "curl -sS -o /dev/null --cacert " + server.caCertificate() + " ";
        // 1 GiB of zeros, 1 MB on the wire, to a recorder with a 256 MiB heap: decoded whole it
        // cannot fit, and before decoding was bounded the recorder died with no HAR at all.
        List<String> cmd = CliTest.cli("record", "--max-body", "4m", "-o", har.toString(), "--", "sh", "-c",
                curl + server.baseUrl() + "/json && " + curl + "--compressed " + server.baseUrl() + "/gzip-zeros?mib=1024 && "
                        + curl + server.baseUrl() + "/hello");
        cmd.add(cmd.indexOf("-cp"), "-Xmx256m");
        Process rec = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            assertThat(rec.waitFor(180, TimeUnit.SECONDS)).as("recording finished; output so far:%n%s", Files.readString(out)).isTrue();
        } finally {
            rec.destroyForcibly();
        }
        String output = Files.readString(out);
        assertThat(rec.exitValue()).as(output).isZero();
        assertThat(output).doesNotContain("OutOfMemoryError");
        List<JsonNode> entries = new ArrayList<>();
        HarJson.mapper().readTree(har.toFile()).at("/log/entries").forEach(entries::add);
        assertThat(entries).extracting(e -> e.at("/request/url").asText())
                .containsExactly(server.baseUrl() + "/json", server.baseUrl() + "/gzip-zeros?mib=1024", server.baseUrl() + "/hello");
        JsonNode bomb = entries.get(1).at("/response/content");
        assertThat(bomb.path("_decodeError").asText()).as("the entry says why it is not decoded: %s", bomb)
                .contains("over 4194304 bytes (--max-body)").contains("kept as sent (gzip)");
        assertThat(bomb.path("encoding").asText()).isEqualTo("base64");
        assertThat(bomb.path("size").asLong()).as("the gzip bytes as sent").isBetween(1L << 19, 4L << 20);
        assertThat(entries.get(2).at("/response/content/text").asText()).isEqualTo("hello from recordtls demo\n");
    }

    @Test
    void a200MiBDownloadIsRecordedByteForByteByARecorderWithAHeapSmallerThanTheBody() throws Exception {
        BpfRequirement.check();
        int size = 200 << 20;
        Path har = tmp.resolve("big.har"), out = tmp.resolve("big.out");
        String curl = "curl -sS -o /dev/null --cacert " + server.caCertificate() + " ";
        // held as a String (base64, then Jackson's char[] of it) the body needed ~10x its size;
        // spooled and streamed into the HAR it needs no heap of its size at all
        List<String> cmd = CliTest.cli("record", "--max-body", "256m", "--ring-buffer", "64m", "-o", har.toString(), "--", "sh", "-c",
                curl + "'" + server.baseUrl() + "/bytes?n=" + size + "&seed=5' && " + curl + server.baseUrl() + "/hello");
        cmd.add(cmd.indexOf("-cp"), "-Xmx192m");
        Process rec = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        long peakRss = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        try {
            while (!rec.waitFor(200, TimeUnit.MILLISECONDS)) {
                peakRss = Math.max(peakRss, peakRss(rec.pid()));
                assertThat(System.nanoTime() - deadline).as("recording finished; output so far:%n%s", Files.readString(out)).isNegative();
            }
        } finally {
            rec.destroyForcibly();
        }
        String output = Files.readString(out);
        assertThat(rec.exitValue()).as(output).isZero();
        assertThat(output).doesNotContain("OutOfMemoryError").contains("0 events dropped");
        // the ring buffer (--ring-buffer, 64 MiB here) is a fixed cost of the recording, not of the body: it is
        // mapped into the recorder, its data pages twice (libbpf maps them so a record never wraps), and counted in RSS
        long ring = 64L << 20;
        assertThat(peakRss).as("the recorder's peak RSS, at most twice the body besides the ring buffer")
                .isLessThanOrEqualTo(2L * size + 2 * ring);

        // read as a stream: the test's own JVM need not hold the HAR either
        java.security.MessageDigest recorded = java.security.MessageDigest.getInstance("SHA-256");
        List<String> urls = new ArrayList<>();
        String encoding = null;
        try (com.fasterxml.jackson.core.JsonParser p = HarJson.factory().createParser(har.toFile())) {
            List<String> path = new ArrayList<>();
            for (com.fasterxml.jackson.core.JsonToken t; (t = p.nextToken()) != null; ) {
                if (t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    String where = p.getParsingContext().getParent() == null ? "" : String.valueOf(p.getParsingContext().getParent().getCurrentName());
                    p.nextToken();
                    if (name.equals("url") && where.equals("request")) {
                        urls.add(p.getText());
                    } else if (name.equals("encoding") && where.equals("content") && urls.size() == 1) {
                        encoding = p.getText();
                    } else if (name.equals("text") && where.equals("content") && urls.size() == 1) {
                        p.readBinaryValue(new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(), recorded));
                    }
                }
            }
        }
        assertThat(urls).containsExactly(server.baseUrl() + "/bytes?n=" + size + "&seed=5", server.baseUrl() + "/hello");
        assertThat(encoding).isEqualTo("base64");
        byte[] sent = java.security.MessageDigest.getInstance("SHA-256").digest(DemoHttpsServer.bytes(size, 5));
        assertThat(recorded.digest()).as("the HAR holds the body as sent").isEqualTo(sent);
    }

    /** VmHWM: the most memory the process held at once, in bytes (0 once it is gone). */
    private static long peakRss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException gone) {
            // it ended between two looks
        }
        return 0;
    }
}
