package io.recordtls.junit;

import io.recordtls.agent.AgentReply;
import io.recordtls.replayer.server.UnmatchedRequest;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What fails a @RecordTls test once its body ran, and how it says so: a recording that lost
 * events, a replay that refused an in-process call or matched nothing for a request.
 */
final class TestVerdicts {
    private TestVerdicts() {}

    /** A segment the agent ended: ring-buffer drops while it was open fail the test (the HAR is kept, marked). */
    static void requireNoDrops(AgentReply.SegmentSummary ended, Path har, String when) {
        long dropped = ended.droppedEvents();
        if (dropped > 0) {
            throw new AssertionError("the recording " + har + " lost " + dropped + " ring-buffer events " + when
                    + ": it is written, marked, and should be recorded again");
        }
    }

    /** Where the recording of a test that failed goes: beside its HAR, under a name AUTO never replays. */
    static Path failedRecording(Path har) {
        return har.resolveSibling(har.getFileName() + ".failed");
    }

    /**
     * A test failed (or was aborted) while recording: replaying its recording would replay the
     * failure, so it was kept aside. Said in the test's report and, for a failure, beside it.
     */
    static void recordingNotSaved(ExtensionContext ctx, Throwable failure, Path har, Path partial) {
        String why = "the test did not pass, so its recording was not saved as " + har + " (AUTO would replay it):"
                + " what it recorded is in " + partial;
        ctx.publishReportEntry("recordtls", why);
        if (!(failure instanceof TestAbortedException)) {
            failure.addSuppressed(new RecordingNotSaved(why));
        }
    }

    /** Shown with the test's failure; no stack trace of its own: it is a fact, not an error. */
    static final class RecordingNotSaved extends Exception {
        RecordingNotSaved(String message) {
            super(message, null, false, false);
        }
    }

    /** In-process code asked for an origin nothing was recorded for: the tunnel refused it, the test fails. */
    static void requireNothingRefused(List<String> refused, Path har) {
        if (!refused.isEmpty()) {
            throw refusal(refused, har, null);
        }
    }

    static AssertionError refusal(List<String> refused, Path har, Throwable cause) {
        return new AssertionError("Java code in this JVM called " + String.join(", ", refused) + ", for which " + har
                + " recorded nothing; replaying never reaches the network (re-record with -D" + RecordTlsMode.PROPERTY
                + "=RECORD if the service changed)", cause);
    }

    static void requireAllMatched(List<UnmatchedRequest> unmatched, String recording) {
        if (!unmatched.isEmpty()) {
            throw new AssertionError(unmatched.size() + " request" + (unmatched.size() == 1 ? "" : "s")
                    + " matched nothing recorded in " + recording + " (re-record with -D" + RecordTlsMode.PROPERTY
                    + "=RECORD if the service changed):\n" + unmatched.stream().map(u -> "  " + u.toString().replace("\n", "\n    "))
                    .collect(Collectors.joining("\n")));
        }
    }
}
