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
    private volatile Throwable fatal;
    private volatile boolean stop;
    private final java.util.concurrent.atomic.AtomicLong syncRequested = new java.util.concurrent.atomic.AtomicLong();
    /** Guarded by itself: the rounds done for {@link #sync} callers, who wait on it. */
    private final Object syncLock = new Object();
    private long syncDone;

    /** Told after each round of reading the ring: what the listener got may be handed on together. */
    private final Runnable roundDone;

    public CapturePump(TlsProbes probes, Consumer<CaptureEvent> listener) {
        this(probes, listener, () -> { });
    }

    public CapturePump(TlsProbes probes, Consumer<CaptureEvent> listener, Runnable roundDone) {
        this.ring = new RingBuffer(probes.eventsMap(), record -> listener.accept(EventDecoder.decode(record)));
        this.roundDone = roundDone;
        this.thread = Thread.ofPlatform().name("recordtls-ringbuf").daemon().unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /**
     * The thread that empties the ring runs before the recorded programs when the CPU is short (a
     * recorder with CAP_SYS_NICE, as root): its work per record is a copy, but while it waits for a
     * core the ring fills; at 270 MB/s a 32 MiB ring lasted about 120 ms, and a 100 MiB download
     * beside a busy server lost records in 1 run in 5 at normal priority (none in 10 at nice -10).
     */
    private static final int NICE = -10;

    private void run() {
        try {
            io.recordtls.recorder.bpf.LibC.setThreadNice(NICE); // refused without CAP_SYS_NICE: then as it is
        } catch (RuntimeException | LinkageError e) {
            // as it is
        }
        try {
            while (!stop) {
                long requested = syncRequested.get();
                try {
                    ring.awaitWakeup(DRAIN_INTERVAL_MS);
                    requested = syncRequested.get(); // what was written before this is consumed next
                    ring.consume();
                    roundDone.run();
                } catch (RuntimeException e) {
                    // counted and said once; the thread goes on: processes may wait on what it reads next
                    failedPolls.incrementAndGet();
                    if (failure.compareAndSet(null, e)) {
                        System.err.println("recordtls: reading the ring buffer failed (going on): " + e);
                    }
                    sleepQuietly();
                }
                synchronized (syncLock) {
                    syncDone = requested;
                    syncLock.notifyAll();
                }
            }
            while (ring.consume() > 0) {
                // what was submitted before the probes were detached
            }
            roundDone.run();
        } catch (Throwable t) {
            fatal = t; // an Error: the JVM itself is in trouble
        } finally {
            stopped.countDown();
        }
    }

    private final java.util.concurrent.atomic.AtomicLong failedPolls = new java.util.concurrent.atomic.AtomicLong();

    private void sleepQuietly() {
        try {
            Thread.sleep(DRAIN_INTERVAL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records the reader skipped because handling them threw, and polls that failed: each counted, never fatal. */
    public long failures() {
        return ring.failures() + failedPolls.get();
    }

    /**
     * Returns once every record the kernel had written when this was called has been handed to
     * the listener: the reader is woken for a round at once.
     */
    public void sync() {
        long ticket = syncRequested.incrementAndGet();
        ring.wake(); // a round now, not at the end of the drain interval
        synchronized (syncLock) {
            while (syncDone < ticket && stopped.getCount() > 0) {
                try {
                    syncLock.wait(DRAIN_INTERVAL_MS); // bounded: the thread may have stopped meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Consumes what is left and stops. Call after the probes are detached. */
    public void drainAndStop() {
        stop = true;
        ring.wake();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // failures were counted as they happened (failures()): the recording so far is still written
        if (fatal != null) {
            throw new IllegalStateException("reading the ring buffer failed", fatal);
        }
    }

    /** Idempotent; the ring buffer is freed only once the thread no longer uses it. */
    @Override
    public void close() {
        stop = true;
        ring.wake();
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
