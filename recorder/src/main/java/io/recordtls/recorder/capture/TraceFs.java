package io.recordtls.recorder.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * libbpf finds syscall tracepoints through tracefs, which some kernels do not mount at boot.
 * As root we mount it (like perf and bpftrace do); otherwise we say how.
 */
public final class TraceFs {
    private static final Path EVENTS = Path.of("/sys/kernel/tracing/events/syscalls");
    private static final Path DEBUGFS_EVENTS = Path.of("/sys/kernel/debug/tracing/events/syscalls");

    private TraceFs() {}

    public static boolean available() {
        return Files.isDirectory(EVENTS) || Files.isDirectory(DEBUGFS_EVENTS);
    }

    /** Returns null when tracefs is there (now), else what to do. */
    public static String ensureMounted() {
        if (available()) {
            return null;
        }
        try {
            Process p = new ProcessBuilder("mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && available()) {
                return null;
            }
            return "tracefs is not mounted and mounting it failed (" + out + "): run 'mount -t tracefs nodev /sys/kernel/tracing' as root";
        } catch (IOException e) {
            return "tracefs is not mounted: run 'mount -t tracefs nodev /sys/kernel/tracing' as root";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while mounting tracefs";
        }
    }
}
