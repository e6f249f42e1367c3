package io.recordtls.recorder;

/**
 * Start-up and stop phases on stderr, when {@code RECORDTLS_PHASES} is set: how the wall-clock
 * time of a recording divides (JVM start, BPF load, attaches, launch, stop), for
 * {@code benchmarks/run.sh} and for whoever wonders where a slow start goes. When the variable
 * holds the launcher's start time ({@code date +%s%N}), times count from there, so the JVM's own
 * start shows as the first figure; otherwise from the first phase.
 */
public final class PhaseLog {
    private static final String SETTING = System.getenv("RECORDTLS_PHASES");
    private static final boolean ON = SETTING != null;
    private static final long ORIGIN_EPOCH_NS = origin();

    private PhaseLog() {}

    private static long origin() {
        if (SETTING == null) {
            return 0;
        }
        try {
            long given = Long.parseLong(SETTING.strip());
            if (given > 1_000_000_000_000_000L) { // nanoseconds since 1970, not a mere "1"
                return given;
            }
        } catch (NumberFormatException e) {
            // any other value switches the log on, counting from the first phase
        }
        return epochNanos();
    }

    private static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    public static boolean on() {
        return ON;
    }

    /** Notes that {@code phase} has just ended. */
    public static void mark(String phase) {
        if (ON) {
            System.err.printf("recordtls: phase %8.1f ms  %s%n", (epochNanos() - ORIGIN_EPOCH_NS) / 1e6, phase);
        }
    }
}
