package io.recordtls.recorder.har;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * Probe timestamps are CLOCK_MONOTONIC (bpf_ktime_get_ns), as is System.nanoTime() on Linux:
 * one offset taken at start turns them into wall-clock time.
 */
public final class MonotonicClock {
    private final long wallMinusMonoNanos;

    public MonotonicClock() {
        Instant now = Instant.now();
        long mono = System.nanoTime();
        this.wallMinusMonoNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - mono;
    }

    public ZonedDateTime toWall(long monoNanos) {
        long wall = monoNanos + wallMinusMonoNanos;
        return Instant.ofEpochSecond(Math.floorDiv(wall, 1_000_000_000L), Math.floorMod(wall, 1_000_000_000L))
                .atZone(ZoneId.systemDefault());
    }
}
