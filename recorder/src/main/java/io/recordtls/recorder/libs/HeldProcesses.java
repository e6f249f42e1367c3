package io.recordtls.recorder.libs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The processes the kernel side holds (SIGSTOP) until a new file is looked at, written down for a
 * watchdog: a shell that waits on a pipe from this JVM and, when the pipe closes because the
 * recorder died (even by SIGKILL), lets every process still listed go on. A recorder that dies
 * must never leave the processes it recorded stopped, nor a command it launches blocked on its
 * gate. The watchdog runs in a session of its own, so a kill of the recorder's process group (a
 * CI job cancelled, Ctrl-C in a shell) does not take it along.
 *
 * <p>Its files live in a private directory (mode 0700, made with mkdtemp semantics), never under a
 * predictable name in a shared temp directory: a recorder runs as root, and a name another user
 * can plant (a symlink to /etc/shadow, say) would make it overwrite any file.
 */
final class HeldProcesses implements AutoCloseable {
    /**
     * Waits for the pipe from the recorder to close, then: opens every gate still there for
     * writing and says "stop" (a command whose launch the recorder did not finish gives up
     * instead of waiting for ever; opened read-write, so this never blocks, and held open a
     * while, so a gate shell that was not reading yet still finds the word), and continues every
     * stopped process of the recorded trees (the pids in the file and their descendants, found
     * through /proc: awk and sh only) until none has been found stopped for 5 s, 60 s at most:
     * probes outlive a killed recorder while the kernel tears them down (about a second, several
     * on a loaded machine) and may hold a process again meanwhile. Then removes the directory; a
     * gate shell that opens its FIFO later finds none and gives up too.
     */
    private static final String WATCHDOG = """
            read _
            for g in "$0"/gate-*; do
              [ -p "$g" ] && ( exec 3<>"$g" && echo stop >&3 && sleep 10 ) &
            done
            i=0
            n=0
            while [ $i -lt 25 ] && [ $n -lt 300 ]; do
              i=$((i + 1))
              n=$((n + 1))
              stopped=$(awk -v roots="$(cat "$0/held.pids" 2>/dev/null)" '
                FNR == 1 { s = $0; sub(/.*\\) /, "", s); split(s, f, " "); n = split(FILENAME, p, "/");
                           pid[p[3]] = 1; st[p[3]] = f[1]; pp[p[3]] = f[2] }
                END { k = split(roots, r, " "); for (j = 1; j <= k; j++) tree[r[j]] = 1
                      do { grew = 0; for (x in pid) if (!(x in tree) && (pp[x] in tree)) { tree[x] = 1; grew = 1 } } while (grew)
                      for (x in tree) if ((x in st) && st[x] == "T") print x }
              ' /proc/[0-9]*/stat 2>/dev/null)
              for p in $stopped; do kill -CONT "$p" 2>/dev/null; i=0; done
              sleep 0.2
            done
            rm -rf "$0"
            """;

    /** setsid(1) starts the watchdog as the leader of a new session and process group (util-linux: everywhere). */
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final Path dir;
    private final Path file;
    private final Process watchdog;
    private final OutputStream lifeline;
    private final Set<Long> roots = new LinkedHashSet<>();
    private final Set<Integer> held = new LinkedHashSet<>();
    private final java.util.concurrent.atomic.AtomicLong gates = new java.util.concurrent.atomic.AtomicLong();

    HeldProcesses() {
        try {
            dir = Files.createTempDirectory("recordtls-run-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            file = dir.resolve("held.pids");
            Files.writeString(file, "", StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            List<String> cmd = new ArrayList<>();
            if (Files.isExecutable(SETSID)) {
                cmd.add(SETSID.toString());
            }
            cmd.addAll(List.of("/bin/sh", "-c", WATCHDOG, dir.toString()));
            watchdog = new ProcessBuilder(cmd)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            lifeline = watchdog.getOutputStream(); // never written: its end closing is the signal
        } catch (IOException e) {
            throw new UncheckedIOException("start the watchdog for held processes", e);
        }
    }

    /**
     * A new FIFO in the private directory for a command's launch gate: the watchdog tells a gate
     * shell to give up if the recorder dies before it opens the gate.
     */
    Path newGate() {
        Path gate = dir.resolve("gate-" + gates.incrementAndGet());
        io.recordtls.recorder.bpf.LibC.mkfifo(gate.toString(), 0600);
        return gate;
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
            // a new file in the private directory, then renamed over the list: the watchdog never reads half a list
            Path tmp = dir.resolve("held.pids.new");
            Files.writeString(tmp, java.util.stream.Stream.concat(roots.stream(), held.stream().map(Integer::longValue))
                    .map(String::valueOf).collect(Collectors.joining(" ")), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("write the held processes down", e);
        }
    }

    /**
     * Idempotent. For a recorder that stops normally, after its probes are detached: nothing can
     * be held any more, so the watchdog is simply ended and the directory removed.
     */
    @Override
    public synchronized void close() {
        watchdog.destroy();
        try {
            watchdog.waitFor();
            lifeline.close();
        } catch (IOException ignored) {
            // the pipe to a process that is gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (java.nio.file.NoSuchFileException gone) {
            // removed already
        } catch (IOException ignored) {
            // a private directory in the temp dir: nobody else can use it
        }
    }
}
