package io.recordtls.cli;

import io.recordtls.recorder.bpf.BpfSupport;
import io.recordtls.agent.Privileges;
import io.recordtls.recorder.capture.TlsProbes;
import io.recordtls.recorder.jvm.JvmProbeJar;
import io.recordtls.recorder.capture.TlsLibrary;
import io.recordtls.recorder.libs.TlsLibraryInspector;
import io.recordtls.recorder.scope.Cgroups;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Checks that this machine can record (kernel features, privileges, libbpf, JDK, TLS libraries) and says what to fix.",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:everything needed is there", "1:something is missing (see the lines marked FAIL)"})
final class DoctorCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter out;
    private int failures;

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        int java = Runtime.version().feature();
        check(java >= 22, "Java " + Runtime.version(), "a JDK >= 22 is needed (FFM): install Temurin 25 or openjdk-25 and set JAVA_HOME");
        check(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "kernel BTF (/sys/kernel/btf/vmlinux)",
                "the kernel has no BTF: a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed (Debian/Ubuntu kernels have it)");
        check(Files.isDirectory(Path.of("/sys/bus/event_source/devices/uprobe")), "uprobes",
                "the kernel has no uprobes (CONFIG_UPROBE_EVENTS)");
        boolean privileged = Privileges.sufficient();
        check(privileged, "privileges: " + Privileges.describe(),
                "loading eBPF needs root, or CAP_BPF + CAP_PERFMON: run recordtls with sudo");
        String libbpf = null;
        try {
            libbpf = BpfSupport.libbpfVersion();
        } catch (RuntimeException | Error e) {
            check(false, "libbpf", e.getMessage() == null ? String.valueOf(e.getCause()) : e.getMessage());
        }
        if (libbpf != null) {
            String[] v = libbpf.split("\\.");
            boolean ok = v.length == 2 && (Integer.parseInt(v[0]) > 1 || Integer.parseInt(v[0]) == 1 && Integer.parseInt(v[1]) >= 1);
            check(ok, "libbpf " + libbpf, "libbpf >= 1.1 is needed: apt-get install libbpf1");
        }
        List<TlsLibrary> libs = TlsLibraryInspector.systemLibraries();
        check(!libs.isEmpty(), "system libssl: " + (libs.isEmpty() ? "none" : libs.stream().map(l -> l.path().toString()).toList()),
                "no system libssl found (programs that link OpenSSL statically, such as node, are still found when they run)");
        // Java only: without the probe's jar everything else still records, so this is a note
        out.println(JvmProbeJar.find().map(jar -> "  ok    JVM probe (Java's TLS): " + jar
                        + (hasAttach() ? "" : "; this JVM has no jdk.attach, so running JVMs cannot be attached"))
                .orElse("  note  JVM probe: recordtls-jvm-probe.jar is not beside the recorder; Java's own TLS (JSSE) is not"
                        + " recorded (build the jvm-probe module: mvn -DskipTests package)"));
        // Go only: without the disassembler everything else still records, so this is a note
        String go = io.recordtls.recorder.libs.GoTlsInspector.problem();
        out.println(go == null ? "  ok    Go programs (crypto/tls): capstone finds their RET instructions"
                : "  note  Go programs: " + go + "; Go's TLS is not recorded");
        // containers only: a machine without cgroup v2 still records processes, so this is a note
        out.println(Cgroups.v2Root().map(root -> "  ok    containers: cgroup v2 hierarchy at " + root)
                .orElse("  note  containers: no cgroup v2 hierarchy is mounted; processes are recorded,"
                        + " containers are not (mount -t cgroup2 none /sys/fs/cgroup/unified)"));
        if (privileged && libbpf != null) {
            try (TlsProbes probes = TlsProbes.load(TlsProbes.Config.defaults())) {
                check(true, "eBPF programs load and attach (ring buffer, bpf_loop, uprobes, raw tracepoints)", null);
                // older kernels still record, only slower to start each process: a note
                out.println(probes.uprobeMulti() ? "  ok    uprobe_multi links: a process's probes are planted in one call per program"
                        : "  note  no uprobe_multi links (Linux < 6.6): each process recorded waits 20-40 ms per TLS library while"
                        + " its probes are planted, and stopping after many processes ended takes longer");
            } catch (RuntimeException e) {
                check(false, "eBPF programs load and attach", e.getMessage());
            }
        }
        out.println(failures == 0 ? "recordtls can record on this machine." : failures + " problem(s): see FAIL above.");
        out.flush();
        return failures == 0 ? 0 : 1;
    }

    private static boolean hasAttach() {
        return ModuleLayer.boot().findModule("jdk.attach").isPresent();
    }

    private void check(boolean ok, String what, String fix) {
        out.println((ok ? "  ok    " : "  FAIL  ") + what);
        if (!ok) {
            failures++;
            if (fix != null) {
                out.println("        -> " + fix.replace("\n", "\n           "));
            }
        }
    }
}
