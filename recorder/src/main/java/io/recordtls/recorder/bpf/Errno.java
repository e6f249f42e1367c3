package io.recordtls.recorder.bpf;

/** errno values the recorder acts on, and their text from the C library. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;

    private Errno() {}

    /** "Operation not permitted (errno 1)"; takes a negative libbpf return value too. */
    public static String describe(int errno) {
        int e = Math.abs(errno);
        return LibC.strerror(e) + " (errno " + e + ")";
    }
}
