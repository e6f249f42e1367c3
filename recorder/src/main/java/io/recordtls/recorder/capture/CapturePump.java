package io.recordtls.recorder.capture;

import io.recordtls.recorder.bpf.RingBuffer;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The one thread that reads the ring buffer. The kernel side wakes it only when the ring fills
 * up or a process waits; otherwise it drains every {@value #DRAIN_INTERVAL_MS} ms, which costs
 * far less than a wakeup per event.
 */
public final class CapturePump implements AutoCloseable {
    static final int DRAIN_INTERVAL_MS = 10;

    private final RingBuffer ring;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;
    private final java.util.concurrent.atomic.AtomicLong syncRequested = new java.util.concurrent.atomic.AtomicLong();
    private volatile long syncDone;

    public CapturePump(TlsProbes probes, Consumer<CaptureEvent> listener) {
        this.ring = new RingBuffer(probes.eventsMap(), record -> listener.accept(EventDecoder.decode(record)));
        this.thread = Thread.ofPlatform().name("recordtls-ringbuf").daemon().unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            while (!stop) {
                ring.poll(DRAIN_INTERVAL_MS);
                long requested = syncRequested.get();
                ring.consume();
                syncDone = requested;
            }
            while (ring.consume() > 0) {
                // what was submitted before the probes were detached
            }
        } catch (Throwable t) {
            failure.set(t);
        } finally {
            stopped.countDown();
        }
    }

    /**
     * Returns once every record the kernel had written when this was called has been handed to
     * the listener: at most one drain interval later.
     */
    public void sync() {
        long ticket = syncRequested.incrementAndGet();
        while (syncDone < ticket && stopped.getCount() > 0) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Consumes what is left and stops. Call after the probes are detached. */
    public void drainAndStop() {
        stop = true;
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("reading the ring buffer failed", t);
        }
    }

    /** Idempotent; the ring buffer is freed only once the thread no longer uses it. */
    @Override
    public void close() {
        stop = true;
        if (thread.isAlive() || stopped.getCount() == 0) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // leaking the ring is better than freeing it under the reader
            }
        }
        ring.close();
    }
}
