package io.recordtls.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.har.HarJson;
import io.recordtls.recorder.demo.DemoHttpsServer;
import io.recordtls.recorder.e2e.BpfRequirement;
import io.recordtls.recorder.e2e.ContainerRequirement;
import io.recordtls.recorder.e2e.GoPrograms;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A Go program recorded through the CLI as a user runs it: a stripped static binary, as images ship them. */
class GoCliTest {
    static DemoHttpsServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() throws Exception {
        server = DemoHttpsServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void recordsAStrippedGoClientByteExact() throws Exception {
        BpfRequirement.check();
        Path client = GoPrograms.build("client", GoPrograms.Variant.STRIPPED);
        Path har = tmp.resolve("go.har");
        Path out = tmp.resolve("stdout"), err = tmp.resolve("stderr");
        Process p = new ProcessBuilder(CliTest.cli("record", "-o", har.toString(), "--", client.toString(),
                server.caCertificate().toString(), "h1", server.baseUrl() + "/json", server.baseUrl() + "/bytes?n=1000000&seed=6"))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String stderr = Files.readString(err);
        assertThat(p.exitValue()).as(stderr).isZero();
        assertThat(Files.readString(out)).isEqualTo("HTTP/1.1 200 " + DemoHttpsServer.JSON.length() + "\nHTTP/1.1 200 1000000\n");
        assertThat(stderr).contains("recorded 2 exchanges on 1 connection from 1 process -> " + har)
                .contains("lost: nothing (0 events dropped)");
        JsonNode entries = HarJson.mapper().readTree(har.toFile()).at("/log/entries");
        assertThat(entries.get(0).at("/response/content/text").asText()).as("%s%n%s", stderr, entries.get(0).path("request"))
                .isEqualTo(DemoHttpsServer.JSON);
        assertThat(entries.get(0).path("_tlsLibrary").asText()).startsWith("client-stripped (Go crypto/tls, go1.");
        assertThat(java.util.Base64.getDecoder().decode(entries.get(1).at("/response/content/text").asText()))
                .isEqualTo(DemoHttpsServer.bytes(1000000, 6));
    }

    /**
     * A Go service in a container (the stripped static binary at a path only the container has,
     * as an image ships it), recorded by --container until it ends: found when it execs, looked
     * at inside the container's file system before it runs.
     */
    @Test
    void recordsAGoProgramInAContainer() throws Exception {
        BpfRequirement.check();
        String image = ContainerRequirement.image();
        Path client = GoPrograms.build("client", GoPrograms.Variant.STRIPPED);
        Path start = Files.createDirectories(tmp.resolve("start")); // the service starts once the recording runs
        Process docker = new ProcessBuilder("docker", "run", "-d", "--rm", "--network", "host",
                "-v", server.caCertificate() + ":/ca.pem:ro", "-v", client + ":/opt/service/goclient:ro", "-v", start + ":/start:ro",
                image, "sh", "-c", "while [ ! -e /start/go ]; do sleep 0.1; done; exec /opt/service/goclient /ca.pem h1 "
                        + server.baseUrl() + "/json")
                .redirectErrorStream(true).start();
        String id = new String(docker.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(docker.waitFor(60, TimeUnit.SECONDS) && docker.exitValue() == 0).as("docker run: %s", id).isTrue();
        Path har = tmp.resolve("go-container.har");
        Path out = tmp.resolve("stdout"), err = tmp.resolve("stderr");
        Process p = new ProcessBuilder(CliTest.cli("record", "--container", id, "-o", har.toString()))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(err).contains("recording container")) {
            assertThat(p.isAlive()).as("recordtls ended before recording: %s", Files.readString(err)).isTrue();
            assertThat(System.nanoTime()).as("recordtls did not start recording").isLessThan(deadline);
            Thread.sleep(100);
        }
        Files.createFile(start.resolve("go"));
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String stderr = Files.readString(err);
        assertThat(p.exitValue()).as(stderr).isZero();
        JsonNode entry = HarJson.mapper().readTree(har.toFile()).at("/log/entries/0");
        assertThat(entry.at("/request/url").asText()).as(stderr).isEqualTo(server.baseUrl() + "/json");
        assertThat(entry.at("/response/content/text").asText()).as("%s%n%s", stderr, entry).isEqualTo(DemoHttpsServer.JSON);
        assertThat(entry.path("_tlsLibrary").asText()).startsWith("goclient (Go crypto/tls, go1.");
        assertThat(entry.path("_container").asText()).isEqualTo(id);
    }

    @Test
    void doctorSaysGoProgramsCanBeProbed() throws Exception {
        Path out = tmp.resolve("doctor");
        Process p = new ProcessBuilder(CliTest.cli("doctor")).redirectOutput(out.toFile()).redirectErrorStream(false).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out)).contains("ok    Go programs (crypto/tls): capstone finds their RET instructions");
    }
}
