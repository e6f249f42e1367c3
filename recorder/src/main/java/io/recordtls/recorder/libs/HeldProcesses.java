package io.recordtls.recorder.libs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The processes the kernel side holds (SIGSTOP) until a new file is looked at, written down for a
 * watchdog: a shell that waits on a pipe from this JVM and, when the pipe closes because the
 * recorder died (even by SIGKILL), lets every process still listed go on. A recorder that dies
 * must never leave the processes it recorded stopped.
 */
final class HeldProcesses implements AutoCloseable {
    /**
     * Waits for the pipe from the recorder to close, then continues every stopped process of the
     * recorded trees (the pids in the file and their descendants, found through /proc: awk and sh
     * only) until none has been found stopped for 5 s, 60 s at most: probes outlive a killed
     * recorder while the kernel tears them down (about a second, several on a loaded machine) and
     * may hold a process again meanwhile.
     */
    private static final String WATCHDOG = """
            read _
            i=0
            n=0
            while [ $i -lt 25 ] && [ $n -lt 300 ]; do
              i=$((i + 1))
              n=$((n + 1))
              stopped=$(awk -v roots="$(cat "$0" 2>/dev/null)" '
                FNR == 1 { s = $0; sub(/.*\\) /, "", s); split(s, f, " "); n = split(FILENAME, p, "/");
                           pid[p[3]] = 1; st[p[3]] = f[1]; pp[p[3]] = f[2] }
                END { k = split(roots, r, " "); for (j = 1; j <= k; j++) tree[r[j]] = 1
                      do { grew = 0; for (x in pid) if (!(x in tree) && (pp[x] in tree)) { tree[x] = 1; grew = 1 } } while (grew)
                      for (x in tree) if ((x in st) && st[x] == "T") print x }
              ' /proc/[0-9]*/stat 2>/dev/null)
              for p in $stopped; do kill -CONT "$p" 2>/dev/null; i=0; done
              sleep 0.2
            done
            rm -f "$0"
            """;

    private final Path file;
    private final Process watchdog;
    private final OutputStream lifeline;
    private final Set<Long> roots = new LinkedHashSet<>();
    private final Set<Integer> held = new LinkedHashSet<>();

    HeldProcesses() {
        try {
            file = Files.createTempFile("recordtls-held-", ".pids", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            watchdog = new ProcessBuilder("/bin/sh", "-c", WATCHDOG, file.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            lifeline = watchdog.getOutputStream(); // never written: its end closing is the signal
        } catch (IOException e) {
            throw new UncheckedIOException("start the watchdog for held processes", e);
        }
    }

    /** A process recorded with its descendants: they are released too if the recorder dies. */
    synchronized void root(long pid) {
        roots.add(pid);
        save();
    }

    synchronized void hold(int pid) {
        held.add(pid);
        save();
    }

    synchronized void release(int pid) {
        if (held.remove(pid)) {
            save();
        }
    }

    private void save() {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, java.util.stream.Stream.concat(roots.stream(), held.stream().map(Integer::longValue))
                    .map(String::valueOf).collect(Collectors.joining(" ")));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("write the held processes down", e);
        }
    }

    /**
     * Idempotent. For a recorder that stops normally, after its probes are detached: nothing can
     * be held any more, so the watchdog is simply ended.
     */
    @Override
    public synchronized void close() {
        watchdog.destroy();
        try {
            watchdog.waitFor();
            lifeline.close();
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temp file
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
