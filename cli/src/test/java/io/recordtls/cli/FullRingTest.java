package io.recordtls.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.har.HarJson;
import io.recordtls.recorder.e2e.BpfRequirement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A ring buffer with no room left must never leave a process stopped for good. */
class FullRingTest {
    @TempDir
    Path tmp;

    @Test
    void aFullRingLetsEveryProcessGoOnAndSaysSo() throws Exception {
        BpfRequirement.check();
        Path har = tmp.resolve("full.har"), out = tmp.resolve("full.out");
        // Forty processes exec a file nobody has looked at yet, all at once, into a one-page ring
        // (about twelve exec records fit) that the recorder drains slowly (it looks at each new
        // file for 200 ms on the ring's thread): most of their records cannot be reserved.
        List<String> cmd = CliTest.cli("record", "--ring-buffer", "4k", "-o", har.toString(), "--", "sh", "-c",
                "i=0; while [ $i -lt 40 ]; do /bin/true & i=$((i+1)); done; wait; echo all-done");
        cmd.add(cmd.indexOf("-cp"), "-Drecordtls.test.gateDelayMs=200");
        Process rec = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            assertThat(rec.waitFor(120, TimeUnit.SECONDS))
                    .as("the command ended: no process was left stopped; output so far:%n%s", Files.readString(out)).isTrue();
        } finally {
            rec.destroyForcibly();
        }
        String output = Files.readString(out);
        assertThat(output).contains("all-done");
        assertThat(rec.exitValue()).as(output).isZero();
        JsonNode capture = HarJson.mapper().readTree(har.toFile()).at("/log/_recordtls/capture");
        assertThat(capture.path("ungatedFiles").asLong()).as("processes let go unexamined are counted: %s", capture).isPositive();
        assertThat(output).contains("not looked at before it went on");
    }
}
