package io.recordtls.recorder;

import io.recordtls.har.Redactor;

import java.util.Set;

/**
 * How to record. {@code maxBody}: bytes of one body kept in the HAR, above which the entry says
 * truncated (with the true size). {@code redaction}: what is redacted (headers, query and form
 * parameters, JSON fields); {@code redact} false keeps every value as sent. {@code wholeRecording}: see
 * {@link #withWholeRecording}.
 */
public record RecorderOptions(long maxBody, boolean redact, Redactor.Rules redaction, int ringBufferBytes, boolean wholeRecording) {
    public static final long DEFAULT_MAX_BODY = 64L << 20;
    /**
     * 128 MiB: the ring-buffer thread is a Java thread, and a young collection stops it. On the
     * 2-core reference VM those pauses reached 100-150 ms while a 100 MiB download was recorded,
     * and a 32 MiB ring (55 ms of that download) lost records in 2 runs of 5; 128 MiB lost none
     * in 6. The kernel allocates the ring when the recording starts and frees it at its end.
     */
    public static final int DEFAULT_RING_BUFFER = 128 << 20;

    public static RecorderOptions defaults() {
        return new RecorderOptions(DEFAULT_MAX_BODY, true, Redactor.Rules.defaults(), DEFAULT_RING_BUFFER, true);
    }

    public RecorderOptions withMaxBody(long bytes) {
        return new RecorderOptions(bytes, redact, redaction, ringBufferBytes, wholeRecording);
    }

    /** The default rules plus these headers. */
    public RecorderOptions withRedaction(boolean on, Set<String> extraHeaders) {
        return withRedaction(on, Redactor.Rules.defaults().withHeaders(extraHeaders));
    }

    public RecorderOptions withRedaction(boolean on, Redactor.Rules rules) {
        return new RecorderOptions(maxBody, on, rules, ringBufferBytes, wholeRecording);
    }

    public RecorderOptions withRingBufferBytes(int bytes) {
        return new RecorderOptions(maxBody, redact, redaction, bytes, wholeRecording);
    }

    /**
     * Whether {@link Recorder#stop} writes one HAR of everything. A long-lived recorder that
     * only writes segments (one per test) turns it off, so nothing accumulates on disk.
     */
    public RecorderOptions withWholeRecording(boolean on) {
        return new RecorderOptions(maxBody, redact, redaction, ringBufferBytes, on);
    }
}
