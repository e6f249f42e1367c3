package io.recordtls.recorder.bpf;

/** This machine cannot run the recorder at all: no libbpf, no BTF, a kernel without a needed feature. */
public final class BpfUnavailableException extends BpfException {
    public BpfUnavailableException(String message) {
        super(message);
    }
}
