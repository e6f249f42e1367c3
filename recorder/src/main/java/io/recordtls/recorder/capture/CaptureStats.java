package io.recordtls.recorder.capture;

import java.util.ArrayList;
import java.util.List;

/** The kernel side's counters (struct rt_stats), summed over CPUs. */
public record CaptureStats(long calls, long bytes, long events, long droppedEvents, long droppedBytes,
                           long faultBytes, long cappedBytes, long gatedProcesses,
                           long untrackedCalls, long scopeMisses, long missedReturns, long lengthFaults,
                           long ungatedFiles) {
    public static final CaptureStats NONE = new CaptureStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    static CaptureStats of(long[] f) {
        return new CaptureStats(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12]);
    }

    /** Bytes the processes moved that never reached user space by accident (not by --max-body). */
    public long lostBytes() {
        return droppedBytes + faultBytes;
    }

    /**
     * What the kernel side could not follow, in words: losses with no byte count (a call not
     * followed moved an unknown number of bytes), so they are never silent.
     */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (untrackedCalls > 0) {
            p.add(untrackedCalls + " SSL call(s) not recorded: the kernel's table of calls in progress was full");
        }
        if (missedReturns > 0) {
            p.add(missedReturns + " SSL call(s) lost: the kernel never reported their return");
        }
        if (lengthFaults > 0) {
            p.add(lengthFaults + " SSL call(s) lost: their byte count could not be read from the process");
        }
        if (scopeMisses > 0) {
            p.add(scopeMisses + " process(es) not recorded: the kernel's table of processes in scope was full");
        }
        if (ungatedFiles > 0) {
            p.add(ungatedFiles + " file(s) loaded by a process in scope were not looked at before it went on"
                    + " (the ring buffer was full): TLS calls made through them before they were looked at are missing");
        }
        return p;
    }
}
