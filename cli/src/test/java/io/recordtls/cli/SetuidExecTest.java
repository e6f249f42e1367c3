package io.recordtls.cli;

import io.recordtls.recorder.demo.DemoHttpsServer;
import io.recordtls.recorder.e2e.BpfRequirement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A process in scope that execs a set-uid-root program runs with root's credentials from there
 * on: its memory (and its secrets) are not the caller's to record. The kernel drops it from scope
 * at that exec, and the summary says so; the caller's own clients are recorded as before.
 */
class SetuidExecTest {
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
    void aSetuidProgramRunByTheRecordedCommandIsLeftOutAndTheSummarySaysSo() throws Exception {
        BpfRequirement.check();
        // a set-uid-root copy of curl, in a directory of root's that the unprivileged command can reach
        Path dir = Files.createTempDirectory("recordtls-setuid-");
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path setuidCurl = dir.resolve("curl-setuid");
            Files.copy(Path.of("/usr/bin/curl"), setuidCurl);
            Process chmod = new ProcessBuilder("chmod", "4755", setuidCurl.toString()).start();
            assertThat(chmod.waitFor(30, TimeUnit.SECONDS) && chmod.exitValue() == 0).isTrue();

            Path har = tmp.resolve("setuid.har");
            String url = server.baseUrl() + "/hello?who=";
            // the command runs as nobody, as a user's test would; set-uid curl prints its euid's effect: exit 0
            String script = "curl -sSk --noproxy '*' -o /dev/null '" + url + "caller' && '" + setuidCurl + "' -sSk --noproxy '*' -o /dev/null '"
                    + url + "setuid' && echo both-ran";
            Path out = tmp.resolve("out"), err = tmp.resolve("err");
            Process record = new ProcessBuilder(CliTest.cli("record", "-o", har.toString(), "--",
                    "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/sh", "-c", script))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertThat(record.waitFor(180, TimeUnit.SECONDS)).isTrue();
            String said = Files.readString(out) + Files.readString(err);
            assertThat(record.exitValue()).as(said).isZero();
            assertThat(said).contains("both-ran");

            String recorded = Files.readString(har);
            // entries' URLs end in a quote; the recorded command line names both
            assertThat(recorded).as("the caller's own curl").contains("\"url\" : \"" + url + "caller\"");
            assertThat(recorded).as("the set-uid curl's exchange (root's memory)").doesNotContain("\"url\" : \"" + url + "setuid\"");
            assertThat(said).containsPattern("note: pid \\d+ \\([^)]*\\) ran " + java.util.regex.Pattern.quote(setuidCurl.toString())
                    + ", a set-uid program: left out of the recording");
        } finally {
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
        }
    }
}
