package io.recordtls.recorder.bpf;

import java.lang.foreign.MemorySegment;

/**
 * One attachment of a program (a uprobe on a file, a tracepoint): a libbpf link, or the fd of a
 * link the kernel made without libbpf (uprobe_multi). Closing detaches it.
 */
public final class BpfLink implements AutoCloseable {
    private final String description;
    private MemorySegment link;
    private int fd = -1;

    BpfLink(MemorySegment link, String description) {
        this.link = link;
        this.description = description;
    }

    BpfLink(int fd, String description) {
        this.fd = fd;
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** Idempotent. */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            int f = fd;
            fd = -1;
            LibC.close(f); // the kernel detaches on the last close, whatever close(2) returns
            return;
        }
        if (link == null) {
            return;
        }
        MemorySegment l = link;
        link = null;
        try {
            int rc = (int) Libbpf.LINK_DESTROY.invokeExact(l);
            if (rc < 0) {
                throw new BpfException("detach " + description, rc);
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("detach " + description, t);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
