package io.recordtls.recorder.bpf;

/**
 * A libbpf or kernel call failed. The message reads like "attach uprobe SSL_read: Operation not
 * permitted (errno 1)"; {@link #errno()} keeps the number for callers that act on it.
 */
public class BpfException extends RuntimeException {
    private final int errno;

    public BpfException(String context, int errno) {
        this(context, errno, null);
    }

    public BpfException(String context, int errno, String detail) {
        super(context + ": " + Errno.describe(errno) + (detail == null || detail.isBlank() ? "" : "\n" + detail));
        this.errno = errno;
    }

    public BpfException(String message) {
        super(message);
        this.errno = 0;
    }

    public int errno() {
        return errno;
    }

    /** EPERM or EACCES: the caller lacks CAP_BPF/CAP_PERFMON (or root). */
    public boolean isPermissionDenied() {
        return errno == Errno.EPERM || errno == Errno.EACCES;
    }
}
