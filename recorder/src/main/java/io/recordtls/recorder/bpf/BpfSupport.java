package io.recordtls.recorder.bpf;

/** Facts about libbpf on this machine. */
public final class BpfSupport {
    private BpfSupport() {}

    /** "1.1", or throws {@link BpfUnavailableException} when libbpf cannot be loaded. */
    public static String libbpfVersion() {
        try {
            return Libbpf.version();
        } catch (ExceptionInInitializerError e) {
            if (e.getCause() instanceof BpfUnavailableException u) {
                throw u;
            }
            throw e;
        }
    }

    public static int possibleCpus() {
        return Libbpf.possibleCpus();
    }

    private static java.util.concurrent.CompletableFuture<Void> binding;

    /**
     * Binds libbpf's functions on a thread of its own: making the FFM downcall handles costs a cold
     * JVM several hundred milliseconds, which a command that will record can spend while it parses
     * its command line. {@link #awaitBinding} collects the result.
     */
    public static synchronized void bindInBackground() {
        if (binding != null) {
            return;
        }
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().daemon().name("recordtls-libbpf-binding").start(() -> {
            try {
                Libbpf.version(); // initializes the class: every handle is made
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        binding = done;
    }

    /**
     * Returns once a binding started by {@link #bindInBackground} is done (at once if none was);
     * one that failed throws here what it threw there (libbpf missing: an ExceptionInInitializerError
     * whose cause says so), as a binding on this thread would have.
     */
    public static void awaitBinding() {
        java.util.concurrent.CompletableFuture<Void> started;
        synchronized (BpfSupport.class) {
            started = binding;
        }
        if (started == null) {
            return;
        }
        try {
            started.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
