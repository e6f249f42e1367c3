package io.recordtls.recorder.e2e;

import io.recordtls.recorder.Recorder;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.RecordingSummary;
import io.recordtls.har.HarJson;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Records real processes under real probes and reads the HAR back. */
public abstract class EndToEndTestBase {
    @TempDir
    protected Path tmp;

    @BeforeEach
    void needsBpf() {
        BpfRequirement.check();
    }

    protected Recording record(RecorderOptions options, Consumer<Recorder> body) throws IOException {
        Path har = tmp.resolve("out.har");
        RecordingSummary summary;
        try (Recorder recorder = Recorder.start(options)) {
            body.accept(recorder);
            summary = recorder.stop(har);
        }
        String text = Files.readString(har);
        return new Recording(har, HarJson.mapper().readTree(text), text, summary);
    }

    protected Recording record(String... command) throws IOException {
        return record(RecorderOptions.defaults(), r -> run(r, command));
    }

    /** Runs a command in scope and waits for it; fails with its output if it fails. */
    protected static void run(Recorder r, String... command) {
        try {
            Path out = Files.createTempFile("recordtls-test", ".out");
            Process p = r.launch(List.of(command), pb -> pb.redirectErrorStream(true).redirectOutput(out.toFile()));
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                // never leave it behind: a client spinning at 100% CPU slows every later test
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError(Arrays.toString(command) + " did not finish within 60 s; output:\n"
                        + new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1));
            }
            String output = new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1); // may be binary
            assertThat(p.exitValue()).as("exit status of %s; output:%n%s", Arrays.toString(command), output).isZero();
            Files.delete(out);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
