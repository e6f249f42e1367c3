package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.demo.DemoHttpsServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** What the kernel side must get right however the probed program behaves inside its SSL calls. */
class KernelSideEndToEndTest extends DemoServerTestBase {
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

    @Test
    void aProcessThatExecsTwoCgroupsBelowAScopedOneIsRecorded() throws Exception {
        // The kernel finds a scoped cgroup by walking the process's cgroup's parents (not through
        // cgroup->ancestors, which kernels before 6.0 lack): here two levels below the scoped one.
        java.nio.file.Path scoped = io.recordtls.recorder.scope.Cgroups.requireV2Root().resolve("recordtls-test-" + ProcessHandle.current().pid());
        java.nio.file.Path nested = scoped.resolve("service").resolve("worker");
        java.nio.file.Files.createDirectories(nested);
        String ca = server.caCertificate().toString();
        try {
            Recording rec = record(RecorderOptions.defaults(), r -> {
                r.addCgroup(scoped);
                // not started by the recorder: it joins the nested cgroup itself, then execs curl
                try {
                    Process p = new ProcessBuilder("sh", "-c", "echo $$ > " + nested.resolve("cgroup.procs")
                            + " && exec curl -sS -o /dev/null --cacert " + ca + " " + server.baseUrl() + "/json").inheritIO().start();
                    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0).as("curl").isTrue();
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(rec.only().at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
        } finally {
            java.nio.file.Files.deleteIfExists(nested);
            java.nio.file.Files.deleteIfExists(nested.getParent());
            java.nio.file.Files.deleteIfExists(scoped);
        }
    }
}
