package io.recordtls.agent;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process may load and attach eBPF programs (root, or the capabilities for it). */
public final class Privileges {
    private static final int CAP_KILL = 5, CAP_SYS_ADMIN = 21, CAP_SYS_PTRACE = 19, CAP_PERFMON = 38, CAP_BPF = 39;

    private Privileges() {}

    public static boolean sufficient() {
        BigInteger caps = effective();
        return caps.testBit(CAP_SYS_ADMIN) || (caps.testBit(CAP_BPF) && caps.testBit(CAP_PERFMON));
    }

    public static String describe() {
        BigInteger caps = effective();
        if (caps.testBit(CAP_SYS_ADMIN)) {
            return "root (CAP_SYS_ADMIN)";
        }
        StringBuilder s = new StringBuilder();
        s.append(caps.testBit(CAP_BPF) ? "CAP_BPF " : "no CAP_BPF, ");
        s.append(caps.testBit(CAP_PERFMON) ? "CAP_PERFMON " : "no CAP_PERFMON, ");
        s.append(caps.testBit(CAP_SYS_PTRACE) ? "CAP_SYS_PTRACE " : "no CAP_SYS_PTRACE, ");
        s.append(caps.testBit(CAP_KILL) ? "CAP_KILL" : "no CAP_KILL");
        return s.toString().strip();
    }

    private static BigInteger effective() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return new BigInteger(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException ignored) {
            // fall through: assume none
        }
        return BigInteger.ZERO;
    }
}
