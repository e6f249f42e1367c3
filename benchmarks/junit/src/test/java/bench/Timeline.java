package bench;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes when each class and test started and finished (System.nanoTime, one line each) to the
 * file -Dbench.times names: a test's span holds what the extension does before and after it.
 */
public final class Timeline implements TestExecutionListener {
    private static final String FILE = System.getProperty("bench.times");

    @Override
    public void executionStarted(TestIdentifier id) {
        write("start", id);
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        write(result.getStatus() == TestExecutionResult.Status.SUCCESSFUL ? "end" : "failed", id);
    }

    /** How long a part of a test took (the code under test, within the test's span). */
    static void took(String what, long nanos) {
        append("took " + nanos + " " + what + " -\n");
    }

    private static void write(String what, TestIdentifier id) {
        if (id.isTest() || id.getSource().map(s -> s instanceof org.junit.platform.engine.support.descriptor.ClassSource).orElse(false)) {
            append(what + " " + System.nanoTime() + " " + (id.isTest() ? "test" : "class") + " " + id.getUniqueId() + "\n");
        }
    }

    private static void append(String line) {
        if (FILE == null || FILE.isBlank()) {
            return;
        }
        try {
            Files.writeString(Path.of(FILE), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
