import io.recordtls.recorder.bpf.BpfLink;
import io.recordtls.recorder.bpf.BpfObject;
import io.recordtls.recorder.libs.TlsLibrary;
import io.recordtls.recorder.libs.TlsLibraryInspector;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's floor: attaches do-nothing programs at entry and return of the same SSL
 * functions recordtls probes, in the same way (system-wide, per file), then waits for stdin to
 * close. Run with the recorder's class path: java NoopProbes.java.
 */
public class NoopProbes {
    public static void main(String[] args) throws Exception {
        byte[] elf;
        try (InputStream in = NoopProbes.class.getResourceAsStream("/io/recordtls/bpf/noop.bpf.o")) {
            elf = in.readAllBytes();
        }
        try (BpfObject obj = BpfObject.open(elf, "noop")) {
            obj.load();
            List<BpfLink> links = new ArrayList<>();
            for (TlsLibrary lib : TlsLibraryInspector.systemLibraries()) {
                for (var fn : lib.offsets().entrySet()) {
                    links.add(obj.attachUprobe("noop_enter", false, -1, lib.path().toString(), fn.getValue(), 0, fn.getKey().name()));
                    links.add(obj.attachUprobe("noop_exit", true, -1, lib.path().toString(), fn.getValue(), 0, fn.getKey().name()));
                }
            }
            System.out.println("noop probes attached: " + links.size());
            System.out.flush();
            System.in.read(); // until the benchmark closes our stdin
            links.forEach(BpfLink::close);
        }
    }
}
