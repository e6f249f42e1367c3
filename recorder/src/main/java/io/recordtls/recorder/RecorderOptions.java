package io.recordtls.recorder;

import java.util.Set;

/**
 * How to record. {@code maxBody}: bytes of one body kept in the HAR, above which the entry says
 * truncated (with the true size). {@code redactHeaders}: header names redacted besides the
 * defaults; {@code redact} false keeps every value as sent.
 */
public record RecorderOptions(long maxBody, boolean redact, Set<String> redactHeaders, int ringBufferBytes) {
    public static final long DEFAULT_MAX_BODY = 64L << 20;
    public static final int DEFAULT_RING_BUFFER = 32 << 20;

    public static RecorderOptions defaults() {
        return new RecorderOptions(DEFAULT_MAX_BODY, true, Set.of(), DEFAULT_RING_BUFFER);
    }

    public RecorderOptions withMaxBody(long bytes) {
        return new RecorderOptions(bytes, redact, redactHeaders, ringBufferBytes);
    }

    public RecorderOptions withRedaction(boolean on, Set<String> extraHeaders) {
        return new RecorderOptions(maxBody, on, Set.copyOf(extraHeaders), ringBufferBytes);
    }

    public RecorderOptions withRingBufferBytes(int bytes) {
        return new RecorderOptions(maxBody, redact, redactHeaders, bytes);
    }
}
