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
        // Forty processes each exec a file nobody has looked at yet (forty copies of true: forty
        // inodes, so each exec is held whenever it comes), all at once, into a one-page ring (about
        // twelve exec records fit) that the recorder drains slowly (it looks at each new file for
        // 500 ms on the ring's thread): most of their records cannot be reserved. One copy of a
        // single file would not do: once it is looked at, a later exec is not held at all, and
        // under load the shell may start most of them only then.
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        for (int i = 0; i < 40; i++) {
            Files.copy(Path.of("/bin/true"), bin.resolve("true" + i), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
        List<String> cmd = CliTest.cli("record", "--ring-buffer", "4k", "-o", har.toString(), "--", "sh", "-c",
                "for f in " + bin + "/true*; do \"$f\" & done; wait; echo all-done");
        cmd.add(cmd.indexOf("-cp"), "-Drecordtls.test.gateDelayMs=500");
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
