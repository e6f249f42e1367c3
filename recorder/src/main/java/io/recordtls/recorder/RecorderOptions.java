package io.recordtls.recorder;

import java.util.Set;

/**
 * How to record. {@code maxBody}: bytes of one body kept in the HAR, above which the entry says
 * truncated (with the true size). {@code redactHeaders}: header names redacted besides the
 * defaults; {@code redact} false keeps every value as sent. {@code wholeRecording}: see
 * {@link #withWholeRecording}.
 */
public record RecorderOptions(long maxBody, boolean redact, Set<String> redactHeaders, int ringBufferBytes, boolean wholeRecording) {
    public static final long DEFAULT_MAX_BODY = 64L << 20;
    public static final int DEFAULT_RING_BUFFER = 32 << 20;

    public static RecorderOptions defaults() {
        return new RecorderOptions(DEFAULT_MAX_BODY, true, Set.of(), DEFAULT_RING_BUFFER, true);
    }

    public RecorderOptions withMaxBody(long bytes) {
        return new RecorderOptions(bytes, redact, redactHeaders, ringBufferBytes, wholeRecording);
    }

    public RecorderOptions withRedaction(boolean on, Set<String> extraHeaders) {
        return new RecorderOptions(maxBody, on, Set.copyOf(extraHeaders), ringBufferBytes, wholeRecording);
    }

    public RecorderOptions withRingBufferBytes(int bytes) {
        return new RecorderOptions(maxBody, redact, redactHeaders, bytes, wholeRecording);
    }

    /**
     * Whether {@link Recorder#stop} writes one HAR of everything. A long-lived recorder that
     * only writes segments (one per test) turns it off, so nothing accumulates on disk.
     */
    public RecorderOptions withWholeRecording(boolean on) {
        return new RecorderOptions(maxBody, redact, redactHeaders, ringBufferBytes, on);
    }
}
