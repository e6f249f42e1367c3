import io.recordtls.recorder.bpf.BpfLink;
import io.recordtls.recorder.bpf.BpfObject;
import io.recordtls.recorder.bpf.LibC;
import io.recordtls.recorder.capture.CaptureEvent.TlsFunction;
import io.recordtls.recorder.capture.TlsLibrary;
import io.recordtls.recorder.libs.TlsLibraryInspector;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The benchmark's trap floor: do-nothing programs at entry and return of the four SSL I/O
 * functions recordtls probes in the system libssl.
 *
 * <pre>
 *   java NoopProbes.java                 # system-wide (pid -1): every process that maps libssl traps
 *   java NoopProbes.java -- CMD ARGS...  # in CMD only (pid-scoped, as recordtls plants them): runs CMD,
 *                                        # stops it once it maps libssl, plants, lets it go on, waits for it
 * </pre>
 * System-wide, it waits for stdin to close. Run with the recorder's class path.
 */
public class NoopProbes {
    private static final Set<TlsFunction> IO = Set.of(TlsFunction.SSL_read, TlsFunction.SSL_write, TlsFunction.SSL_read_ex, TlsFunction.SSL_write_ex);

    public static void main(String[] args) throws Exception {
        byte[] elf;
        try (InputStream in = NoopProbes.class.getResourceAsStream("/io/recordtls/bpf/noop.bpf.o")) {
            elf = in.readAllBytes();
        }
        try (BpfObject obj = BpfObject.open(elf, "noop")) {
            obj.load();
            if (args.length > 1 && args[0].equals("--")) {
                List<String> command = List.of(args).subList(1, args.length);
                Process p = new ProcessBuilder(command).inheritIO().start();
                awaitLibssl(p.pid());
                LibC.kill(p.pid(), 19); // SIGSTOP: its first SSL call waits for the probes
                List<BpfLink> links = attach(obj, (int) p.pid());
                System.err.println("noop probes planted in pid " + p.pid() + ": " + links.size());
                LibC.kill(p.pid(), LibC.SIGCONT);
                int status = p.waitFor();
                links.forEach(BpfLink::close);
                System.exit(status);
            }
            List<BpfLink> links = attach(obj, -1);
            System.out.println("noop probes attached: " + links.size());
            System.out.flush();
            System.in.read(); // until the benchmark closes our stdin
            links.forEach(BpfLink::close);
        }
    }

    private static List<BpfLink> attach(BpfObject obj, int pid) {
        List<BpfLink> links = new ArrayList<>();
        for (TlsLibrary lib : TlsLibraryInspector.systemLibraries()) {
            for (TlsLibrary.ProbePoint point : lib.points()) {
                if (point.kind() == TlsLibrary.ProbeKind.CALL_ENTRY && IO.contains(point.function())) {
                    String path = lib.path().toString();
                    links.add(obj.attachUprobe("noop_enter", false, pid, path, point.offset(), 0, point.function().name()));
                    links.add(obj.attachUprobe("noop_exit", true, pid, path, point.offset(), 0, point.function().name()));
                }
            }
        }
        return links;
    }

    /** Polls the new process's mappings until the dynamic loader has mapped libssl (before main runs, most likely). */
    private static void awaitLibssl(long pid) throws Exception {
        Path maps = Path.of("/proc/" + pid + "/maps");
        for (int i = 0; i < 20_000; i++) {
            if (Files.readString(maps).contains("libssl")) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new IllegalStateException("pid " + pid + " did not map libssl");
    }
}
