package io.recordtls.cli;

import io.recordtls.recorder.commandline.StopSignals;
import io.recordtls.recorder.commandline.Failures;
import io.recordtls.recorder.commandline.Sizes;
import io.recordtls.recorder.Recorder;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.RecordingSummary;
import io.recordtls.recorder.scope.Cgroups;
import io.recordtls.recorder.scope.ProcFs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

@Command(name = "record", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Records the HTTPS exchanges of COMMAND (and every process it starts), or of running processes,",
                "into a HAR 1.2 file. Processes are not changed, proxied or restarted; credentials are redacted.",
                "", "Examples:",
                "  recordtls record -o api.har -- curl -s https://api.example.com/v1/items",
                "  recordtls record --pid 4242 -o service.har      (until Ctrl-C, or until it exits)",
                "  recordtls record --container 3f2a9c81d0e4 -o svc.har   (a running container, until Ctrl-C or its end)"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:recorded", "2:usage error", "125:recordtls failed (no privileges, no eBPF, I/O)",
                "126:COMMAND could not be run", "127:COMMAND was not found", "other:COMMAND's own exit status",
                "130/143:stopped by SIGINT/SIGTERM (the HAR is written)"})
final class RecordCommand implements Callable<Integer> {
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "HAR file to write (default: recordtls-DATE-TIME.har)")
    Path output;

    @Option(names = "--pid", paramLabel = "PID", description = "record this running process and its children (repeatable)")
    List<Long> pids = new ArrayList<>();

    @Option(names = "--container", paramLabel = "ID", description = "record this running container (its id as docker ps shows it):"
            + " every process in it, and those started in it later (repeatable)")
    List<String> containers = new ArrayList<>();

    @Option(names = "--max-body", paramLabel = "SIZE", converter = Sizes.class, defaultValue = "64m",
            description = "keep at most SIZE bytes of each body; bigger ones are marked truncated with their true size (default: ${DEFAULT-VALUE})")
    long maxBody;

    @CommandLine.Mixin
    RedactionOptions redaction = new RedactionOptions();

    @Option(names = "--ring-buffer", paramLabel = "SIZE", converter = Sizes.class, defaultValue = "128m",
            description = "kernel-to-recorder buffer; raise it if the summary reports drops (default: ${DEFAULT-VALUE})")
    long ringBuffer;

    @Option(names = {"-q", "--quiet"}, description = "print nothing but errors")
    boolean quiet;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command to run and record, after --")
    List<String> command = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (command.isEmpty() == (pids.isEmpty() && containers.isEmpty())) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give a COMMAND (after --), or --pid / --container: not both, not neither");
        }
        Path har = output != null ? output : Path.of("recordtls-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".har");
        String executable = null;
        if (!command.isEmpty()) {
            executable = Executables.find(command.getFirst());
            if (executable == null) {
                err.println("recordtls: " + command.getFirst() + ": command not found");
                return RecordTlsCli.EXIT_NOT_FOUND;
            }
            if (!Files.isExecutable(Path.of(executable))) {
                err.println("recordtls: " + command.getFirst() + ": not executable");
                return RecordTlsCli.EXIT_CANNOT_RUN;
            }
        }
        Integer unprivileged = Failures.unprivileged(err);
        if (unprivileged != null) {
            return unprivileged;
        }
        for (long pid : pids) {
            if (!ProcFs.alive(pid)) {
                err.println("recordtls: no process " + pid);
                return RecordTlsCli.EXIT_FAILED;
            }
        }
        List<Path> cgroups = new ArrayList<>();
        for (String id : containers) {
            Optional<Path> cgroup;
            try {
                cgroup = Cgroups.ofContainer(id.strip().toLowerCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                err.println("recordtls: " + e.getMessage());
                return 2; // usage error, as picocli reports its own
            }
            if (cgroup.isEmpty()) {
                err.println("recordtls: no running container " + id + " (no cgroup named after it under "
                        + Cgroups.v2Root().map(Path::toString).orElse("a cgroup v2 hierarchy: none is mounted") + ")");
                return RecordTlsCli.EXIT_FAILED;
            }
            cgroups.add(cgroup.get());
        }
        RecorderOptions options = RecorderOptions.defaults().withMaxBody(maxBody)
                .withRedaction(redaction.enabled(), redaction.rules()).withRingBufferBytes((int) Math.min(ringBuffer, 1 << 30));
        AtomicInteger signal = new AtomicInteger();
        CountDownLatch signalled = new CountDownLatch(1);
        StopSignals.onStop(number -> {
            signal.set(number);
            signalled.countDown();
        });
        io.recordtls.recorder.PhaseLog.mark("command line parsed");
        try (Recorder recorder = Recorder.start(options)) {
            int exit = 0;
            if (!command.isEmpty()) {
                List<String> argv = new ArrayList<>(command);
                argv.set(0, executable);
                Process p = recorder.launch(argv, pb -> {
                    pb.inheritIO();
                    ChildLocale.restore(pb.environment());
                });
                while (!p.waitFor(50, TimeUnit.MILLISECONDS) && signalled.getCount() > 0) {
                    // wait for the command or a signal
                }
                exit = p.isAlive() ? 0 : p.exitValue();
                io.recordtls.recorder.PhaseLog.mark("command ended (as seen)");
            } else {
                for (long pid : pids) {
                    recorder.addProcess(pid);
                }
                for (int i = 0; i < cgroups.size(); i++) {
                    try {
                        recorder.addCgroup(cgroups.get(i));
                    } catch (java.io.UncheckedIOException e) {
                        if (Files.isDirectory(cgroups.get(i))) {
                            throw e;
                        }
                        // found a moment ago, gone now: it ended while the probes were loading
                        err.println("recordtls: container " + containers.get(i) + " ended before the recording began: nothing of it was recorded");
                        return RecordTlsCli.EXIT_FAILED;
                    }
                }
                if (!quiet) {
                    List<String> what = new ArrayList<>();
                    if (!pids.isEmpty()) {
                        what.add(pids + " and their children");
                    }
                    containers.forEach(c -> what.add("container " + c));
                    err.println("recordtls: recording " + String.join(", ", what) + "; Ctrl-C (SIGINT) or SIGTERM stops");
                    err.flush();
                }
                while (!signalled.await(200, TimeUnit.MILLISECONDS)
                        && (pids.stream().anyMatch(ProcFs::alive) || cgroups.stream().anyMatch(Files::isDirectory))) {
                    // until a signal, or until every process and container recorded has ended
                }
            }
            RecordingSummary summary = recorder.stop(har);
            if (!quiet) {
                err.print(summary.describe().lines().map(l -> "recordtls: " + l + "\n").reduce("", String::concat));
                err.flush();
            }
            if (signal.get() != 0) {
                return 128 + signal.get();
            }
            return exit;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RecordTlsCli.EXIT_FAILED;
        } catch (RuntimeException | ExceptionInInitializerError | NoClassDefFoundError e) {
            return Failures.report(err, e);
        }
    }
}
