package io.recordtls.recorder;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * How a recorded command starts from its very first instruction: a shell waits on a FIFO until the
 * recorder has put its pid in the kernel's scope, then execs the command.
 */
final class LaunchGate {
    private LaunchGate() {}

    /** The command line that runs {@code command} once {@link #release} lets it. */
    static List<String> argv(Path fifo, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", GATE, fifo.toString()));
        argv.addAll(command);
        return argv;
    }

    /**
     * The gate: the command runs only when the recorder says "go" (its pid is in scope by then).
     * Anything else (the watchdog's "stop" when the recorder died, or no FIFO at all any more)
     * ends the shell, so a command is never left waiting nor run unrecorded.
     */
    private static final String GATE = "IFS= read -r go < \"$0\" 2>/dev/null; [ \"$go\" = go ] && exec \"$@\";"
            + " echo \"recordtls: the recorder ended before $1 started\" >&2; exit 125";

    /** Opens the FIFO for writing (which waits for the shell to open it) and lets the shell go. */
    static void release(Path fifo, Process p) {
        CompletableFuture<Void> open = CompletableFuture.runAsync(() -> {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write("go\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        while (true) {
            try {
                open.get(100, TimeUnit.MILLISECONDS);
                return;
            } catch (java.util.concurrent.TimeoutException notYet) {
                if (!p.isAlive()) {
                    open.cancel(true);
                    // unblock the writer thread: a reader that opens and closes at once
                    try (var in = Files.newInputStream(fifo)) {
                        in.available();
                    } catch (IOException ignored) {
                        // nothing more to do
                    }
                    return;
                }
            } catch (Exception e) {
                throw new IllegalStateException("release the recorded command", e);
            }
        }
    }
}
