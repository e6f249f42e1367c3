package io.recordtls.cli;

import io.recordtls.recorder.bpf.LibC;
import io.recordtls.recorder.e2e.BpfRequirement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A recorder runs as root beside other users' processes: whatever way it ends, it leaves no
 * process stopped or blocked and no file behind, and a name planted in the temp directory never
 * makes it write somewhere else. Real recorders (the CLI as a process), real signals.
 */
class NothingLeftBehindTest {
    @TempDir
    Path tmp;

    /** A temp directory like /tmp (world-writable, sticky) that only this test's recorders use. */
    private Path sharedTemp() throws IOException {
        Path shared = Files.createDirectory(tmp.resolve("shared-tmp"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Process chmod = new ProcessBuilder("chmod", "1777", shared.toString()).start();
        try {
            assertThat(chmod.waitFor()).isZero();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return shared;
    }

    private static List<String> cli(Path tempDir, String... args) {
        List<String> cmd = CliTest.cli(args);
        cmd.add(cmd.indexOf("-cp"), "-Djava.io.tmpdir=" + tempDir);
        return cmd;
    }

    /**
     * Another user watches the temp directory and, for every file the recorder creates there,
     * plants symlinks to a file of root's under the names it might write next. Root's file must
     * stay as it was, the recorder's own names must be private directories, and nothing remains.
     */
    @Test
    void aNamePlantedInTheTempDirectoryNeverMakesRootWriteThrough() throws Exception {
        BpfRequirement.check();
        Path shared = sharedTemp();
        Path victim = Files.writeString(tmp.resolve("root-only"), "root's secret\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
        Set<String> modes = ConcurrentHashMap.newKeySet();
        AtomicBoolean watching = new AtomicBoolean(true);
        CompletableFuture<Void> attacker = CompletableFuture.runAsync(() -> {
            Set<Path> seen = new HashSet<>();
            while (watching.get()) {
                try (var entries = Files.list(shared)) {
                    for (Path p : entries.toList()) {
                        if (!seen.add(p) || Files.isSymbolicLink(p)) {
                            continue;
                        }
                        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                            modes.add(p.getFileName() + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                        } else {
                            for (String suffix : List.of(".tmp", ".new", "-1", ".pids")) {
                                try {
                                    Files.createSymbolicLink(shared.resolve(p.getFileName() + suffix), victim);
                                } catch (IOException taken) {
                                    // the name exists
                                }
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // an entry went away while listed
                }
                Thread.onSpinWait();
            }
        });
        try {
            Process rec = new ProcessBuilder(cli(shared, "record", "-q", "-o", tmp.resolve("planted.har").toString(), "--", "sh", "-c", "sleep 1"))
                    .redirectErrorStream(true).start();
            String output = new String(rec.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(rec.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(rec.exitValue()).as(output).isZero();
        } finally {
            watching.set(false);
            attacker.get(10, TimeUnit.SECONDS);
        }
        assertThat(Files.readString(victim)).isEqualTo("root's secret\n");
        assertThat(modes).as("the recorder's own entries in the temp directory").isNotEmpty()
                .allSatisfy(m -> assertThat(m).endsWith(" rwx------"));
        try (var left = Files.list(shared)) {
            assertThat(left.filter(p -> !Files.isSymbolicLink(p)).toList()).as("left in the temp directory").isEmpty();
        }
    }

    /**
     * The soak: a recorder SIGKILLed while its command starts (as soon as the gate shell exists,
     * or a moment later) must leave nothing stopped or blocked: {@code record -- ... | cat} ends
     * (every writer of the pipe is gone) and no process of the run is left stopped.
     */
    @Test
    void aRecorderKilledAtLaunchLeavesNoProcessStoppedOrBlocked() throws Exception {
        BpfRequirement.check();
        Path shared = sharedTemp();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(80);
        int trials = 0;
        List<String> problems = new ArrayList<>();
        java.util.Map<Integer, Set<ProcessHandle>> everyone = new java.util.TreeMap<>();
        java.util.Random random = new java.util.Random(14);
        while (trials < 10 && System.nanoTime() < deadline) {
            trials++;
            Process rec = new ProcessBuilder(cli(shared, "record", "-q", "-o", tmp.resolve("killed-" + trials + ".har").toString(),
                    "--", "sh", "-c", "echo ran-" + trials))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            // the test holds the read end, as `| cat` would: it ends when every writer is gone
            InputStream pipe = rec.getInputStream();
            CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(pipe.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "read failed: " + e;
                }
            });
            int extraDelayMs = trials % 2 == 0 ? 0 : random.nextInt(40);
            Set<ProcessHandle> family = new HashSet<>();
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            boolean gateSeen = false;
            while (!gateSeen && rec.isAlive() && System.nanoTime() < giveUp) {
                for (ProcessHandle h : rec.descendants().toList()) {
                    family.add(h);
                    gateSeen |= h.info().arguments().map(a -> String.join(" ", a).contains("gate-")).orElse(false);
                }
            }
            if (extraDelayMs > 0) {
                Thread.sleep(extraDelayMs);
            }
            rec.descendants().forEach(family::add);
            rec.destroyForcibly(); // SIGKILL: no Java code runs
            rec.waitFor();
            try {
                read.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                problems.add("trial " + trials + ": the output pipe never ended (a writer is blocked): " + describe(family));
            }
            everyone.put(trials, family);
        }
        // then every process of every trial ends: none is left stopped or waiting (the watchdogs take seconds)
        for (var trial : everyone.entrySet()) {
            for (ProcessHandle h : trial.getValue()) {
                if (h.onExit().completeOnTimeout(h, 40, TimeUnit.SECONDS).get().isAlive()) {
                    problems.add("trial " + trial.getKey() + ": left " + (stopped(h) ? "stopped" : "running") + ": " + describe(Set.of(h)));
                    h.destroyForcibly();
                }
            }
        }
        assertThat(problems).as("after %d kill-at-launch trials", trials).isEmpty();
        assertThat(trials).isGreaterThanOrEqualTo(4);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // the watchdogs' last work: removing their directories
        while (System.nanoTime() < end && leftIn(shared) > 0) {
            Thread.sleep(200);
        }
        assertThat(leftIn(shared)).as("left in the temp directory").isZero();
    }

    /**
     * A CI job cancelled kills the recorder's whole process group: a --pid target (outside that
     * group) held by the recorder at that moment must go on.
     */
    @Test
    void aProcessGroupKillDoesNotLeaveAPidTargetStopped() throws Exception {
        BpfRequirement.check();
        Path go = tmp.resolve("go");
        LibC.mkfifo(go.toString(), 0600);
        // waits in a builtin (no child process to be held instead), then execs a file the recorder has not seen
        Process target = new ProcessBuilder("/bin/sh", "-c", "read _ < " + go + "; exec /usr/bin/env echo target-done")
                .redirectErrorStream(true).start();
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        cmd.addAll(cli(tmp, "record", "--pid", Long.toString(target.pid()), "-o", tmp.resolve("group.har").toString()));
        cmd.add(cmd.indexOf("-cp"), "-Drecordtls.test.gateDelayMs=60000"); // hold a new executable a minute
        Path err = tmp.resolve("group.err");
        Process rec = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(err).contains("recording [")) {
                assertThat(rec.isAlive()).as(Files.readString(err)).isTrue();
                assertThat(System.nanoTime()).as("the recorder did not start: %s", Files.readString(err)).isLessThan(deadline);
                Thread.sleep(50);
            }
            Files.writeString(go, "go\n");
            while (!stopped(target.toHandle())) {
                assertThat(System.nanoTime()).as("the target was never held").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(LibC.kill(-rec.pid(), LibC.SIGKILL)).as("kill the recorder's process group").isZero();
            assertThat(target.waitFor(30, TimeUnit.SECONDS)).as("the target went on and ended (stopped: %s)", stopped(target.toHandle())).isTrue();
            assertThat(new String(target.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("target-done");
        } finally {
            rec.destroyForcibly();
            target.destroyForcibly();
        }
    }

    /** A recording is no more shared than any other new file of its user: umask 077 makes it 0600, not 0644. */
    @Test
    void aHarGetsTheModeOfTheUsersNewFiles() throws Exception {
        BpfRequirement.check();
        Path har = tmp.resolve("private.har");
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "umask 077; exec \"$@\"", "sh"));
        cmd.addAll(cli(tmp, "record", "-q", "-o", har.toString(), "--", "true"));
        Process rec = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(rec.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(rec.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.exitValue()).as(output).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(har))).isEqualTo("rw-------");
    }

    private static long leftIn(Path dir) throws IOException {
        try (var left = Files.list(dir)) {
            return left.count();
        }
    }

    private static String describe(Set<ProcessHandle> handles) {
        List<String> out = new ArrayList<>();
        for (ProcessHandle h : handles) {
            if (h.isAlive()) {
                out.add(h.pid() + (stopped(h) ? " (stopped) " : " ") + h.info().commandLine().orElse("?"));
            }
        }
        return out.toString();
    }

    static boolean stopped(ProcessHandle h) {
        try {
            String stat = Files.readString(Path.of("/proc/" + h.pid() + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (IOException gone) {
            return false;
        }
    }
}
