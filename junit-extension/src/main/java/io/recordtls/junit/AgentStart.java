package io.recordtls.junit;

import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The privileged recorder of a run, started on a thread of its own as soon as a class that will
 * record begins: its start (a JVM, the eBPF programs, about two seconds) then overlaps what the
 * class does before its first test (a Spring context, a WireMock upstream, containers), and the
 * first test waits only for what is left of it. Held in the root store: closed at the end of the
 * run, after its start has finished, so no recorder outlives the run.
 */
final class AgentStart implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    private final CompletableFuture<AgentClient> client = new CompletableFuture<>();
    private boolean closed;

    private AgentStart() {}

    /** Starts it now, in the background. */
    static AgentStart begin() {
        AgentStart start = new AgentStart();
        DaemonThreads.start("recordtls-recorder-start", () -> {
            try {
                start.client.complete(AgentLauncher.start());
            } catch (Throwable e) {
                start.client.completeExceptionally(e);
            }
        });
        return start;
    }

    /**
     * The recorder, once started.
     *
     * @throws AgentLauncher.RecordingImpossibleException why this machine cannot record, and what to do
     * @throws IOException                                the start failed
     */
    AgentClient await() throws IOException {
        try {
            return client.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the privileged recorder started");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        }
    }

    /** Waits for the start to end, then stops the recorder it started, if any. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        AgentClient c;
        try {
            c = client.get();
        } catch (ExecutionException e) {
            return; // never started: nothing to stop (the failure was, or would have been, said by a test)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // the recorder stops by itself when this JVM ends (--parent-pid)
        }
        c.close();
    }
}
