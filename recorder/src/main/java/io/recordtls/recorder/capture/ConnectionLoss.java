package io.recordtls.recorder.capture;

/** What the kernel could not deliver for one connection (the ring buffer was full). */
public record ConnectionLoss(long inBytes, long outBytes, long events) {}
