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
}
