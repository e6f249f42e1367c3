package io.recordtls.recorder;

import io.recordtls.recorder.capture.CaptureStats;

import java.nio.file.Path;
import java.util.List;

/** What a recording holds and what it could not hold: printed by the CLI, written into the HAR. */
public record RecordingSummary(Path har, int entries, int incompleteEntries, int truncatedEntries, int connections,
                               int nonHttpConnections, int processes, List<String> libraries, CaptureStats kernel,
                               long lostBytes, List<String> notes, int tlsConnectionsNotDecoded) {
    public boolean lossless() {
        return kernel.droppedEvents() == 0 && lostBytes == 0 && kernel.problems().isEmpty();
    }

    /** Two or three lines for a terminal. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("recorded %d exchange%s on %d connection%s from %d process%s -> %s%n",
                entries, entries == 1 ? "" : "s", connections, connections == 1 ? "" : "s",
                processes, processes == 1 ? "" : "es", har));
        s.append(String.format("lost: %s; incomplete entries: %d; truncated bodies: %d; connections not HTTP: %d%n",
                lossless() ? "nothing (0 events dropped)"
                        : kernel.droppedEvents() + " ring-buffer events dropped, " + lostBytes + " bytes missing (entries marked)",
                incompleteEntries, truncatedEntries, nonHttpConnections));
        if (tlsConnectionsNotDecoded > 0) { // their processes are named in the notes below
            s.append(String.format("not seen: %d TLS connection%s no probe decoded%n", tlsConnectionsNotDecoded,
                    tlsConnectionsNotDecoded == 1 ? "" : "s"));
        }
        if (libraries.isEmpty()) {
            s.append("warning: no TLS library was probed: nothing could be recorded\n");
        }
        for (String n : notes) {
            s.append("note: ").append(n).append('\n');
        }
        return s.toString();
    }
}
