package io.recordtls.recorder.e2e;

import io.recordtls.recorder.bpf.BpfSupport;
import io.recordtls.agent.Privileges;
import io.recordtls.recorder.capture.TlsProbes;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tests that need real eBPF call {@link #check()} first: where it is missing they are skipped
 * with the reason, unless RECORDTLS_REQUIRE_BPF=1 (CI), where a missing eBPF is a failure.
 */
public final class BpfRequirement {
    private static String missing;
    private static boolean checked;

    private BpfRequirement() {}

    public static synchronized void check() {
        if (!checked) {
            checked = true;
            missing = probe();
        }
        if (missing != null && "1".equals(System.getenv("RECORDTLS_REQUIRE_BPF"))) {
            throw new AssertionError("eBPF is required (RECORDTLS_REQUIRE_BPF=1) but not usable here: " + missing);
        }
        Assumptions.assumeTrue(missing == null, () -> "eBPF not usable here (" + missing + "); run as root on a kernel with BTF and uprobes");
    }

    private static String probe() {
        if (!Privileges.sufficient()) {
            return "no privileges: " + Privileges.describe();
        }
        if (!Files.isReadable(Path.of("/sys/kernel/btf/vmlinux"))) {
            return "no kernel BTF";
        }
        try {
            BpfSupport.libbpfVersion();
            try (TlsProbes ignored = TlsProbes.load(TlsProbes.Config.defaults())) {
                return null;
            }
        } catch (RuntimeException | Error e) {
            return String.valueOf(e.getMessage());
        }
    }
}
