package io.recordtls.recorder.stream;

/** Receives one direction of a connection, in order, with the holes marked. */
public interface StreamSink {
    /** Bytes moved by one SSL call (or part of it), with that call's monotonic timestamps. */
    void onBytes(byte[] data, int offset, int length, long tsEnter, long tsExit);

    /**
     * Bytes that passed but did not arrive: {@code capped} when the recorder chose not to copy
     * them (over --max-body), otherwise lost (ring buffer full, unreadable memory).
     */
    void onGap(long length, boolean capped, long ts);
}
