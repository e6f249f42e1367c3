package io.recordtls.junit;

import io.recordtls.agent.AgentWire;
import io.recordtls.agent.Privileges;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Starts the privileged recorder (the agent) for this JVM: directly when the JVM may load eBPF
 * programs itself, else through password-less sudo of the agent root installed (never a jar
 * this user could change: see {@link InstalledAgent}), else as a privileged container (host pid
 * namespace and cgroups) when a Docker engine answers. The agent serves only this JVM's user
 * (the kernel tells it who connects), over a socket in a directory of its own that it names on
 * its standard output, and exits with this JVM.
 */
final class AgentLauncher {
    /** Read by the JVM probe's ProcessBuilder advice: "off" keeps it out of a child's JAVA_TOOL_OPTIONS. */
    static final String JVM_PROBE_SWITCH = "RECORDTLS_JVM_PROBE";
    /** -Drecordtls.recorder or RECORDTLS_RECORDER: auto (default), local (this machine, or sudo), container. */
    static final String PLACEMENT_PROPERTY = "recordtls.recorder";
    static final String PLACEMENT_ENVIRONMENT = "RECORDTLS_RECORDER";

    enum Placement { AUTO, LOCAL, CONTAINER }

    private AgentLauncher() {}

    static Placement configuredPlacement() {
        String value = System.getProperty(PLACEMENT_PROPERTY);
        String source = "-D" + PLACEMENT_PROPERTY;
        if (value == null || value.isBlank()) {
            value = System.getenv(PLACEMENT_ENVIRONMENT);
            source = PLACEMENT_ENVIRONMENT;
        }
        if (value == null || value.isBlank()) {
            return Placement.AUTO;
        }
        try {
            return Placement.valueOf(value.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new org.junit.jupiter.api.extension.ExtensionConfigurationException(
                    source + "=" + value + " is not a recorder placement: use auto, local or container");
        }
    }

    private static boolean mayRecordLocally() {
        return Privileges.sufficient() || InstalledAgent.mayStartThroughSudo();
    }

    /** Where the agent runs here, or why it cannot run anywhere (then {@code where} is null). */
    private record Decision(Placement where, String whyNot) {}

    private static final java.util.Map<Placement, Decision> DECIDED = new java.util.concurrent.ConcurrentHashMap<>();

    /** Looks once per JVM (and placement asked for): the checks start processes ('sudo -n -l', 'docker info'). */
    private static Decision decide() {
        return DECIDED.computeIfAbsent(configuredPlacement(), AgentLauncher::decide);
    }

    private static Decision decide(Placement configured) {
        if (!Files.isReadable(Path.of("/sys/kernel/btf/vmlinux"))) {
            return new Decision(null, "the kernel has no BTF (/sys/kernel/btf/vmlinux): recording needs a kernel built with CONFIG_DEBUG_INFO_BTF");
        }
        if (!Files.isDirectory(Path.of("/sys/bus/event_source/devices/uprobe"))) {
            return new Decision(null, "the kernel has no uprobes (CONFIG_UPROBE_EVENTS)");
        }
        String notRunnable = RecorderRuntime.whyNotRunnable();
        if (notRunnable != null) {
            return new Decision(null, notRunnable);
        }
        Placement where = switch (configured) {
            case LOCAL -> mayRecordLocally() ? Placement.LOCAL : null;
            case CONTAINER -> Docker.available() ? Placement.CONTAINER : null;
            case AUTO -> mayRecordLocally() ? Placement.LOCAL : Docker.available() ? Placement.CONTAINER : null;
        };
        if (where != null) {
            return new Decision(where, null);
        }
        if (configured == Placement.CONTAINER) {
            return new Decision(null, "the recorder should run as a container (" + PLACEMENT_PROPERTY + "=container) but no Docker"
                    + " engine answers 'docker info' for this user");
        }
        return new Decision(null, "this JVM cannot load eBPF programs (" + Privileges.describe() + ") and " + InstalledAgent.whyNotThroughSudo()
                + ". Run the tests as root, give java CAP_BPF+CAP_PERFMON, or install the agent as root and allow it in sudoers"
                + " (README: 'Recording as a user')"
                + (configured == Placement.AUTO ? "; or give this user a Docker engine (the recorder then runs as a privileged container)" : "")
                + "; or replay: -D" + RecordTlsMode.PROPERTY + "=REPLAY");
    }

    /** Null when recording is possible here, else why not and what to do. */
    static String whyRecordingIsImpossible() {
        return decide().whyNot();
    }

    static AgentClient start() throws IOException {
        Decision decision = decide();
        if (decision.where() == null) {
            throw new RecordingImpossibleException(decision.whyNot());
        }
        // the run's scratch directory, this user's: the agent writes segment HARs here as this user
        Path dir = Files.createTempDirectory("recordtls-agent", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        long uid = ((Number) Files.getAttribute(dir, "unix:uid")).longValue();
        List<String> agentArgs = new ArrayList<>(List.of("--parent-pid", Long.toString(ProcessHandle.current().pid())));
        List<String> cmd = new ArrayList<>();
        RecorderStartCache.StartOptions startCache = RecorderStartCache.StartOptions.NONE;
        if (decision.where() == Placement.CONTAINER) {
            // The host's pid namespace (its processes, their /proc/PID/root), its cgroups (to scope
            // containers) and the socket directory at the same path; no network at all. The
            // capabilities are named rather than --privileged, which asks for every capability
            // Docker knows and fails on hosts whose engine lacks one (CAP_SYS_RESOURCE, say):
            // SYS_ADMIN covers bpf() and perf events where Docker predates CAP_BPF/CAP_PERFMON.
            cmd.addAll(List.of("docker", "run", "--rm", "--name", "recordtls-recorder-" + ProcessHandle.current().pid()
                            + "-" + Long.toHexString(System.nanoTime()), "--label", "io.recordtls.role=recorder",
                    "--pid=host", "--cgroupns=host", "--network=none",
                    "--cap-add=SYS_ADMIN", "--cap-add=SYS_PTRACE", "--cap-add=KILL", "--cap-add=DAC_READ_SEARCH",
                    "--security-opt=seccomp=unconfined", "--security-opt=apparmor=unconfined",
                    "-v", "/sys/fs/cgroup:/sys/fs/cgroup", "-v", dir + ":" + dir, RecorderImage.ensureBuilt()));
            // its socket in a directory it makes in the scratch directory, the one place both sides see
            agentArgs.addAll(List.of("--socket-dir", dir.toString(), "--owner-uid", Long.toString(uid)));
        } else if (Privileges.sufficient()) {
            // this JVM's own privileges: the jar it extracted is as trusted as the JVM itself
            RecorderRuntime.RecorderJar jar = RecorderRuntime.recorderJar();
            RecorderRuntime.JavaHome java = RecorderRuntime.java();
            startCache = RecorderRuntime.startCache().map(c -> c.startOptions(jar, java)).orElse(RecorderStartCache.StartOptions.NONE);
            cmd.add(java.java().toString());
            cmd.addAll(startCache.jvmOptions());
            cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-jar", jar.path().toString()));
            agentArgs.addAll(List.of("--owner-uid", Long.toString(uid)));
        } else {
            // root runs only what root installed; sudo tells the agent who asked
            cmd.addAll(List.of("sudo", "-n", "--", InstalledAgent.command().toString()));
        }
        cmd.addAll(agentArgs);
        ProcessBuilder recorder = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        // a test JVM with the JVM probe passes it to what it starts: not to the recorder itself
        recorder.environment().put(JVM_PROBE_SWITCH, "off");
        Process agent = recorder.start();
        // while it starts: what this JVM's first request and first HAR would wait for
        AgentWire.WarmUp.inBackground();
        io.recordtls.har.HarFile.WarmUp.inBackground();
        BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Path> ready = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    Path socket = AgentWire.socketIn(line);
                    if (socket != null) {
                        return socket;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        Path socket;
        try {
            socket = ready.get(120, TimeUnit.SECONDS);
            if (socket == null) {
                agent.waitFor(10, TimeUnit.SECONDS);
                throw new RecordingImpossibleException("the privileged recorder did not start (exit status "
                        + (agent.isAlive() ? "none" : agent.exitValue()) + "; its error is above)");
            }
        } catch (java.util.concurrent.TimeoutException e) {
            agent.destroyForcibly();
            throw new RecordingImpossibleException("the privileged recorder did not start within 120 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            agent.destroyForcibly();
            throw new IOException("interrupted while starting the recorder", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        }
        // keep reading its stdout so it never blocks on a full pipe
        DaemonThreads.start("recordtls-agent-stdout", () -> {
            try {
                while (out.readLine() != null) {
                    // nothing else is printed there
                }
            } catch (IOException ignored) {
                // the agent ended
            }
        });
        return AgentClient.connect(socket, agent, dir, startCache);
    }

    /** Recording cannot happen on this machine or for this user: say why, and how to fix it. */
    static final class RecordingImpossibleException extends IOException {
        RecordingImpossibleException(String message) {
            super(message);
        }
    }
}
