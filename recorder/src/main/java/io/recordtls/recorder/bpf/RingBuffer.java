package io.recordtls.recorder.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * libbpf's ring_buffer consumer over one BPF_MAP_TYPE_RINGBUF map. Poll and consume from one
 * thread only; close after that thread has stopped calling them.
 */
public final class RingBuffer implements AutoCloseable {
    /** Receives each record; the segment is only valid during the call. */
    @FunctionalInterface
    public interface RecordHandler {
        void onRecord(MemorySegment record) throws Exception;
    }

    private final Arena arena = Arena.ofShared();
    private final RecordHandler handler;
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private MemorySegment rb;
    /** libbpf's epoll descriptor over the ring: readable when the kernel wakes the reader. */
    private int ringFd = -1;
    /** Readable when {@link #wake} was called: the reader's wait ends at once. */
    private int wakeFd = -1;

    public RingBuffer(BpfMap map, RecordHandler handler) {
        this.handler = handler;
        try {
            MethodHandle target = MethodHandles.lookup().findVirtual(RingBuffer.class, "sample",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class)).bindTo(this);
            MemorySegment stub = LibC.LINKER.upcallStub(target,
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), arena);
            MemorySegment state = arena.allocate(LibC.CALL_STATE);
            rb = (MemorySegment) Libbpf.RING_BUFFER_NEW.invokeExact(state, map.fd(), stub, MemorySegment.NULL, MemorySegment.NULL);
            if (rb.equals(MemorySegment.NULL)) {
                int errno = LibC.errno(state);
                arena.close();
                throw new BpfException("open ring buffer " + map.name(), errno);
            }
            ringFd = (int) Libbpf.RING_BUFFER_EPOLL_FD.invokeExact(rb);
            try {
                wakeFd = LibC.eventfd();
            } catch (RuntimeException e) {
                Libbpf.RING_BUFFER_FREE.invokeExact(rb);
                throw e;
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException("open ring buffer " + map.name(), t);
        }
    }

    /**
     * Waits up to timeoutMs for a wakeup, of the kernel or of {@link #wake}; handles nothing
     * ({@link #consume} does).
     */
    public void awaitWakeup(int timeoutMs) {
        if ((LibC.pollIn(timeoutMs, ringFd, wakeFd) & 2) != 0) {
            LibC.drainEventfd(wakeFd);
        }
    }

    /** Ends the reader's current (or next) {@link #awaitWakeup} wait now. From any thread; a no-op once closed. */
    public synchronized void wake() {
        if (rb != null) {
            LibC.signalEventfd(wakeFd);
        }
    }

    /** Handles every record available now, without waiting for a wakeup. */
    public int consume() {
        int rc = BpfMap.invoke(() -> (int) Libbpf.RING_BUFFER_CONSUME.invokeExact(rb));
        return check(rc, "consume ring buffer");
    }

    private int check(int rc, String what) {
        if (rc == -Errno.EINTR) {
            return 0;
        }
        if (rc < 0) {
            throw new BpfException(what, rc);
        }
        return rc;
    }

    /** Upcall from libbpf: an exception must never cross back into C. */
    @SuppressWarnings("unused")
    private int sample(MemorySegment ctx, MemorySegment data, long size) {
        try {
            handler.onRecord(data.reinterpret(size));
            return 0;
        } catch (Throwable t) {
            // keep consuming: one bad record must not stall the others, nor end the recording
            failures.incrementAndGet();
            if (firstFailure.compareAndSet(null, t)) {
                System.err.println("recordtls: could not handle a ring-buffer record (later ones are counted): " + t);
            }
            return 0;
        }
    }

    /** Records whose handler threw (each skipped, the reader went on). */
    public long failures() {
        return failures.get();
    }

    /** Idempotent. */
    @Override
    public synchronized void close() {
        if (rb == null || !arena.scope().isAlive()) {
            return;
        }
        try {
            Libbpf.RING_BUFFER_FREE.invokeExact(rb); // closes ringFd
        } catch (Throwable t) {
            throw new IllegalStateException("free ring buffer", t);
        } finally {
            rb = null;
            arena.close();
            if (wakeFd >= 0) {
                LibC.close(wakeFd);
                wakeFd = -1;
            }
        }
    }
}
