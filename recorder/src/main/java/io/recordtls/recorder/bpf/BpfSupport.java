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
}
