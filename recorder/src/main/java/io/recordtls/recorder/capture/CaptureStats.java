package io.recordtls.recorder.capture;

/** The kernel side's counters, summed over CPUs. */
public record CaptureStats(long calls, long bytes, long events, long droppedEvents, long droppedBytes,
                           long faultBytes, long cappedBytes, long gatedProcesses) {
    public static final CaptureStats NONE = new CaptureStats(0, 0, 0, 0, 0, 0, 0, 0);

    /** Bytes the processes moved that never reached user space by accident (not by --max-body). */
    public long lostBytes() {
        return droppedBytes + faultBytes;
    }
}
