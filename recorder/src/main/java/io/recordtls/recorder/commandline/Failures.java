package io.recordtls.recorder.commandline;

import io.recordtls.recorder.bpf.BpfException;
import io.recordtls.recorder.bpf.BpfUnavailableException;
import io.recordtls.agent.Privileges;

import java.io.PrintWriter;

/** Expected failures as one or two lines that say what happened and what to do. */
public final class Failures {
    private Failures() {}

    /** Says so and returns the exit code when this process cannot load eBPF programs; else null. */
    public static Integer unprivileged(PrintWriter err) {
        if (Privileges.sufficient()) {
            return null;
        }
        err.println("recordtls: cannot record: this process has " + Privileges.describe());
        err.println("recordtls: recording needs root, or CAP_BPF + CAP_PERFMON (+ CAP_SYS_PTRACE, CAP_KILL): run it with sudo;"
                + " 'recordtls doctor' checks the rest");
        err.flush();
        return ExitCodes.FAILED;
    }

    public static int report(PrintWriter err, Throwable e) {
        Throwable t = e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e;
        if (t instanceof BpfException b && b.isPermissionDenied() || !Privileges.sufficient()) {
            err.println("recordtls: cannot load eBPF programs: " + (t.getMessage() == null ? t : firstLine(t.getMessage())));
            err.println("recordtls: recording needs root, or CAP_BPF + CAP_PERFMON (+ CAP_SYS_PTRACE, CAP_KILL): run it with sudo;"
                    + " 'recordtls doctor' checks the rest");
        } else if (t instanceof BpfUnavailableException) {
            err.println("recordtls: " + t.getMessage());
            err.println("recordtls: 'recordtls doctor' checks what this machine is missing");
        } else if (t instanceof BpfException) {
            err.println("recordtls: " + t.getMessage());
        } else {
            StringBuilder chain = new StringBuilder(String.valueOf(t));
            for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                chain.append("\n  caused by: ").append(c);
            }
            err.println("recordtls: " + chain);
            if (System.getenv("RECORDTLS_DEBUG") != null) {
                t.printStackTrace(err);
            }
        }
        return ExitCodes.FAILED;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
