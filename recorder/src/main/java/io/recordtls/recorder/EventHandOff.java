package io.recordtls.recorder;

import io.recordtls.recorder.capture.CaptureEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Moves captured events from the ring-buffer thread, which must never wait for parsing, to the
 * thread that parses them, in order, with commands (a test window's end) run in order with them.
 *
 * <p>Events go over once per round of reading the ring, as one batch: on two cores the hand-over
 * of each event (a wakeup of the other thread) cost more than the event. What waits is bounded by
 * bytes, not by count. (Parsing at a lower CPU priority was tried and measured: no gain for a
 * recorded load of small exchanges, and more ring-buffer drops for a 100 MiB body.)
 */
final class EventHandOff {
    /** The ring-buffer thread waits past this much (the ring then absorbs, then drops are counted). */
    private static final long MAX_QUEUED_BYTES = 256L << 20;
    private static final int MAX_BATCH = 4096;
    private static final Object END = new Object();

    private record Batch(List<CaptureEvent> events, long bytes) {}

    private record Command(Runnable action, CompletableFuture<Void> done) {}

    private final Consumer<CaptureEvent> handler;
    private final Runnable atEnd;
    /** Batches, commands and END, in order. */
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Object batchLock = new Object();
    private List<CaptureEvent> batch = new ArrayList<>();
    /** Payload bytes handed over and not yet handled. */
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Thread thread;
    private volatile Throwable failure;
    private volatile long failedEvents;

    /** {@code handler} and {@code atEnd} run on the parsing thread; {@code atEnd} once, at {@link #finish}. */
    EventHandOff(Consumer<CaptureEvent> handler, Runnable atEnd) {
        this.handler = handler;
        this.atEnd = atEnd;
        this.thread = Thread.ofPlatform().name("recordtls-pipeline").daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** Handed on at the next {@link #flush}, or now when the batch is full. */
    void submit(CaptureEvent e) {
        synchronized (batchLock) {
            batch.add(e);
            if (batch.size() >= MAX_BATCH) {
                flushLocked();
            }
        }
    }

    /** Hands on what was submitted. Blocks while parsing is far behind. */
    void flush() {
        synchronized (batchLock) {
            flushLocked();
        }
    }

    private void flushLocked() {
        if (batch.isEmpty()) {
            return;
        }
        long bytes = 0;
        for (CaptureEvent e : batch) {
            bytes += e instanceof CaptureEvent.Data d ? d.payload().length + 64 : 64;
        }
        while (queuedBytes.get() > MAX_QUEUED_BYTES && thread.isAlive()) {
            LockSupport.parkNanos(1_000_000);
        }
        queuedBytes.addAndGet(bytes);
        queue.add(new Batch(batch, bytes));
        batch = new ArrayList<>();
    }

    /** Runs {@code action} on the parsing thread after every event submitted before, and waits for it. */
    void runInOrder(Runnable action) {
        Command c = new Command(action, new CompletableFuture<>());
        synchronized (batchLock) { // after every event submitted before, handed on or not
            flushLocked();
            queue.add(c);
        }
        try {
            while (true) {
                try {
                    c.done().get(100, TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException notYet) {
                    if (!thread.isAlive()) { // it died on an error: nobody will run the command
                        throw new IllegalStateException("processing captured events stopped", failure);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("pipeline command failed", e.getCause());
        }
    }

    /** Hands on the rest, runs {@code atEnd} after it and waits until the parsing thread is done. */
    void finish() {
        flush();
        queue.add(END);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw new IllegalStateException("processing captured events failed", failure);
        }
    }

    /** Events whose handling threw (the first is reported on stderr with its cause). */
    long failedEvents() {
        return failedEvents;
    }

    private void run() {
        try {
            while (true) {
                Object o = queue.take();
                if (o instanceof Batch b) {
                    for (CaptureEvent e : b.events()) {
                        handleCounted(e);
                    }
                    queuedBytes.addAndGet(-b.bytes());
                } else if (o instanceof Command c) {
                    try {
                        c.action().run();
                        c.done().complete(null);
                    } catch (Throwable t) {
                        c.done().completeExceptionally(t);
                    }
                } else if (o == END) {
                    atEnd.run();
                    return;
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** One event that could not be handled must not stop the others (nor hang a window's end): said once, all counted. */
    private void handleCounted(CaptureEvent e) {
        try {
            handler.accept(e);
        } catch (RuntimeException bug) {
            if (failedEvents++ == 0) {
                System.err.println("recordtls: could not process a captured event (" + e + "): " + bug);
                bug.printStackTrace();
            }
        }
    }
}
