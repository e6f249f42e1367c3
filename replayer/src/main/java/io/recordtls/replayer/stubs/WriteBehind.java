package io.recordtls.replayer.stubs;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A {@link StubDirectory}'s work (a mapping's JSON, its file, a body file, a deletion) done on a
 * thread of its own, in the order it was asked for, while the caller reads and decides the next
 * stubs: the second core was idle once the JIT had compiled the conversion. What waits is
 * bounded in bytes, so memory still holds a few thousand small stubs at most, not a file's worth. The first failure
 * is thrown by the next call, or by {@link #close}.
 */
final class WriteBehind implements StubGenerator.Sink, AutoCloseable {
    /**
     * Bytes of stubs and bodies that may wait: a body larger than this waits alone. A few thousand
     * small stubs are enough to ride out a slow write; more only grew the heap (32 MiB let a slow
     * disk queue 30k of them: 100 MiB more RSS).
     */
    private static final int BUDGET = 8 << 20;
    /** What a small stub's draft holds on the heap (its strings, lists, maps, records), about. */
    private static final int DRAFT_BYTES = 4096;

    private final StubDirectory dir;
    private final Semaphore room = new Semaphore(BUDGET);
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "recordtls-stub-writer");
        t.setDaemon(true);
        return t;
    });
    private volatile IOException failed;
    private boolean thrown; // a failure is thrown once: try-with-resources cannot suppress an exception into itself
    private boolean closed;

    WriteBehind(StubDirectory dir) {
        this.dir = dir;
    }

    private interface Work {
        void run() throws IOException;
    }

    private void later(long bytes, Work work) throws IOException {
        throwIfFailed();
        if (failed != null) {
            return; // thrown already: nothing more is written
        }
        int permits = (int) Math.min(bytes, BUDGET);
        try {
            room.acquire(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while stubs were being written");
        }
        thread.execute(() -> {
            try {
                if (failed == null) {
                    work.run();
                }
            } catch (IOException e) {
                failed = e;
            } catch (RuntimeException e) {
                failed = new IOException("writing stubs: " + e, e);
            } finally {
                room.release(permits);
            }
        });
    }

    private void throwIfFailed() throws IOException {
        IOException e = failed;
        if (e != null && !thrown) {
            thrown = true;
            throw e;
        }
    }

    @Override
    public void mapping(String file, StubDraft stub) throws IOException {
        String body = stub.response().body();
        later(DRAFT_BYTES + (body == null ? 0 : 2L * body.length()), () -> dir.mapping(file, stub));
    }

    @Override
    public void bodyFile(String file, byte[] bytes) throws IOException {
        later(bytes.length, () -> dir.bodyFile(file, bytes));
    }

    /** {@link StubDirectory#delete}, after the writes asked for before it. */
    void delete(StubGenerator.StubFiles old, StubGenerator.StubFiles kept) throws IOException {
        if (old != null) {
            later(64, () -> dir.delete(old, kept));
        }
    }

    /** Waits for what was asked, then throws the first failure, if any. Idempotent. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            thread.shutdown();
            try {
                while (!thread.awaitTermination(1, TimeUnit.MINUTES)) {
                    // a slow disk: keep waiting, every write asked for is made or failed
                }
            } catch (InterruptedException e) {
                thread.shutdownNow();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while stubs were being written");
            }
        }
        throwIfFailed();
    }
}
