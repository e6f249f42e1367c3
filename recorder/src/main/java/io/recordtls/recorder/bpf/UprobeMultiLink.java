package io.recordtls.recorder.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A uprobe_multi link (Linux 6.6): one program on many offsets of one file, for one process,
 * made by one BPF_LINK_CREATE. libbpf 1.1 (Debian 12's) predates it, so the command is built
 * here. Against one perf event per offset it registers every breakpoint in one call and never
 * takes the kernel's trace event mutex, which a perf-event uprobe holds through a grace period
 * when it is closed; and closing it waits for one grace period, not one per offset.
 */
final class UprobeMultiLink {
    /** enum bpf_attach_type's BPF_TRACE_UPROBE_MULTI: the program's expected attach type and the link's. */
    static final int ATTACH_TYPE = 48;
    private static final int BPF_LINK_CREATE = 28;
    private static final int BPF_F_UPROBE_MULTI_RETURN = 1;
    /** union bpf_attr as far as link_create.uprobe_multi goes (pid at 56), rounded up; the kernel wants the rest zero. */
    private static final int ATTR_SIZE = 64;

    private UprobeMultiLink() {}

    /**
     * The link's fd, or minus the errno. {@code offsets} are file offsets in {@code path}, each
     * with its cookie (what bpf_get_attach_cookie() returns there); {@code pid} 0 is every process.
     */
    static int create(int progFd, String path, long[] offsets, long[] cookies, boolean retprobe, int pid) {
        if (offsets.length == 0 || offsets.length != cookies.length) {
            throw new IllegalArgumentException("a uprobe_multi link needs one cookie per offset, and at least one offset");
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment attr = call.allocate(ATTR_SIZE, 8); // zeroed
            attr.set(JAVA_INT, 0, progFd);
            attr.set(JAVA_INT, 8, ATTACH_TYPE);
            attr.set(ADDRESS, 16, call.allocateFrom(path));
            attr.set(ADDRESS, 24, call.allocateFrom(JAVA_LONG, offsets));
            attr.set(ADDRESS, 40, call.allocateFrom(JAVA_LONG, cookies));
            attr.set(JAVA_INT, 48, offsets.length);
            attr.set(JAVA_INT, 52, retprobe ? BPF_F_UPROBE_MULTI_RETURN : 0);
            attr.set(JAVA_INT, 56, pid);
            return (int) LibC.bpf(BPF_LINK_CREATE, attr, ATTR_SIZE);
        }
    }

    /**
     * Whether this kernel makes uprobe_multi links, asked with a program loaded for them: a link
     * on the directory "/" fails with EBADF (not a regular file) where it does, EINVAL before.
     */
    static boolean supported(int progFd) {
        int rc = create(progFd, "/", new long[] {0}, new long[] {0}, false, 0);
        if (rc >= 0) {
            LibC.close(rc);
            return true;
        }
        return -rc == Errno.EBADF;
    }
}
