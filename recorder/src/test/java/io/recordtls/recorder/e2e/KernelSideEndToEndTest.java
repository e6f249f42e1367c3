package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.demo.DemoHttpsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** What the kernel side must get right however the probed program behaves inside its SSL calls. */
class KernelSideEndToEndTest extends EndToEndTestBase {
    static DemoHttpsServer server;

    @BeforeAll
    static void startServer() throws IOException {
        server = DemoHttpsServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void aConsoleWriteInsideAnSslCallDoesNotMoveTheConnection() throws IOException {
        // OpenSSL's message callback runs inside SSL_read/SSL_write: here it writes to stderr,
        // after the socket read of each SSL_read. Only a socket may become the connection's fd.
        String ca = server.caCertificate().toString();
        Recording rec = record(RecorderOptions.defaults(), r -> run(r, "python3", "-c", String.join("\n",
                "import ssl, sys, http.client",
                "ctx = ssl.create_default_context(cafile='" + ca + "')",
                "ctx._msg_callback = lambda *a: print('tls message', file=sys.stderr, flush=True)",
                "c = http.client.HTTPSConnection('localhost', " + server.port() + ", context=ctx)",
                "for i in range(2):",
                "    c.request('GET', '/json?i=%d' % i)",
                "    assert c.getresponse().read().decode() == '" + DemoHttpsServer.JSON + "'")));
        assertThat(rec.entries()).hasSize(2).allSatisfy(e -> {
            assertThat(e.at("/_incomplete").asBoolean()).as("%s", e).isFalse();
            assertThat(e.at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
        });
        assertThat(rec.entries()).extracting(e -> e.at("/connection").asText()).as("one connection").containsOnly(rec.entries().getFirst().at("/connection").asText());
        JsonNode capture = rec.log().at("/capture");
        assertThat(capture.path("missedReturns").asLong()).isZero();
        assertThat(capture.path("untrackedCalls").asLong()).isZero();
    }

    @Test
    void moreNewFilesThanTheKernelRemembersNeitherStopAProcessNorTheRecording(@org.junit.jupiter.api.io.TempDir java.nio.file.Path files)
            throws IOException {
        // Each file mapped executable is new: the process is stopped until the recorder has looked
        // at it and told the kernel. Past the kernel's 16384 remembered files that told failed,
        // the exception skipped the SIGCONT and ended the ring's reader: the process stayed
        // stopped and nothing more was recorded.
        // Here the kernel remembers 256 (a test setting), so that 600 files are enough.
        String ca = server.caCertificate().toString();
        System.setProperty("recordtls.test.inspectedFiles", "256");
        Recording rec;
        try {
            rec = record(RecorderOptions.defaults(), r -> {
            run(r, "python3", "-c", String.join("\n",
                    "import mmap, os",
                    "for i in range(600):",
                    "    p = os.path.join('" + files + "', str(i))",
                    "    with open(p, 'wb') as f: f.write(b'x')",
                    "    fd = os.open(p, os.O_RDONLY)",
                    "    mmap.mmap(fd, 1, prot=mmap.PROT_READ | mmap.PROT_EXEC).close()",
                    "    os.close(fd)"));
            run(r, "curl", "-sS", "-o", "/dev/null", "--cacert", ca, server.baseUrl() + "/json");
            });
        } finally {
            System.clearProperty("recordtls.test.inspectedFiles");
        }
        assertThat(rec.only().at("/response/content/text").asText()).as("recorded after the files").isEqualTo(DemoHttpsServer.JSON);
        assertThat(rec.log().at("/capture/unhandledRecords").asLong()).isZero();
    }
}
