package io.recordtls.recorder.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The few C library calls Java has no API for: signals to arbitrary pids, FIFOs, eventfds, strerror, vsnprintf. */
public final class LibC {
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;

    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle KILL = errnoCall("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MKFIFO = errnoCall("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    static final MethodHandle VSNPRINTF = LINKER.downcallHandle(
            LINKER.defaultLookup().find("vsnprintf").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));

    private LibC() {}

    private static final MethodHandle SETFSUID = LINKER.downcallHandle(
            LINKER.defaultLookup().find("setfsuid").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETFSGID = LINKER.downcallHandle(
            LINKER.defaultLookup().find("setfsgid").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private static final MethodHandle GETGROUPS = errnoCall("getgroups", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    /** syscall(2), for the raw setgroups: glibc's setgroups changes every thread, the system call only the caller. */
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(1),
            Linker.Option.captureCallState("errno"));

    /** syscall(2) with four arguments (pidfd_send_signal). */
    private static final MethodHandle SYSCALL4 = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), Linker.Option.firstVariadicArg(1),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle CLOSE = errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETPRIORITY = errnoCall("setpriority", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));

    /**
     * Sets the calling thread's nice value (on Linux setpriority(PRIO_PROCESS, 0) is per thread);
     * 0, or the errno (EACCES: a lower value needs CAP_SYS_NICE).
     */
    public static int setThreadNice(int nice) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) SETPRIORITY.invokeExact(state, 0 /* PRIO_PROCESS */, 0, nice);
            return rc == 0 ? 0 : errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException("setpriority " + nice, t);
        }
    }
    /** pidfd_open and pidfd_send_signal have one number on every architecture (the unified table, Linux 5.1/5.3). */
    private static final long PIDFD_SEND_SIGNAL = 424, PIDFD_OPEN = 434;

    /**
     * A file descriptor that names this very process (pidfd_open(2)), never another that reuses
     * its pid later; -1 when there is no process {@code pid}.
     */
    public static int pidfdOpen(long pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long fd = (long) SYSCALL.invokeExact(state, PIDFD_OPEN, pid, MemorySegment.NULL); // flags 0
            if (fd < 0 && errno(state) != 3) { // not ESRCH: no pidfds here (before 5.3), or out of descriptors
                throw new IllegalStateException("pidfd_open " + pid + ": " + strerror(errno(state)));
            }
            return (int) fd;
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("pidfd_open " + pid, t);
        }
    }

    /** Whether the process a pidfd names still runs (signal 0: checks only; ESRCH once it has ended). */
    public static boolean pidfdAlive(int pidfd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long rc = (long) SYSCALL4.invokeExact(state, PIDFD_SEND_SIGNAL, (long) pidfd, 0L, MemorySegment.NULL, 0L);
            return rc == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("pidfd_send_signal", t);
        }
    }

    private static final MethodHandle EVENTFD = errnoCall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = errnoCall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle READ = errnoCall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = errnoCall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    /** EFD_NONBLOCK | EFD_CLOEXEC (O_NONBLOCK, O_CLOEXEC: the same on x86_64 and arm64). */
    private static final int EFD_FLAGS = 0x800 | 0x80000;
    private static final short POLLIN = 1;

    /** A non-blocking eventfd(2): what one thread writes to wake another out of {@link #pollIn}. */
    public static int eventfd() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) EVENTFD.invokeExact(state, 0, EFD_FLAGS);
            if (fd < 0) {
                throw new IllegalStateException("eventfd: " + strerror(errno(state)));
            }
            return fd;
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("eventfd", t);
        }
    }

    /** Adds one to an eventfd's counter: it is readable until {@link #drainEventfd}. */
    public static void signalEventfd(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocateFrom(JAVA_LONG, 1L);
            long ignored = (long) WRITE.invokeExact(arena.allocate(CALL_STATE), fd, one, 8L); // EAGAIN only at 2^64-2 wakeups
        } catch (Throwable t) {
            throw new IllegalStateException("write eventfd", t);
        }
    }

    /** Resets an eventfd's counter (non-blocking: nothing to read is fine). */
    public static void drainEventfd(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            long ignored = (long) READ.invokeExact(arena.allocate(CALL_STATE), fd, arena.allocate(JAVA_LONG), 8L);
        } catch (Throwable t) {
            throw new IllegalStateException("read eventfd", t);
        }
    }

    /**
     * poll(2) for input on these descriptors, up to {@code timeoutMs}: a bit set per readable one
     * (bit i for fds[i]); 0 on timeout or EINTR.
     */
    public static int pollIn(int timeoutMs, int... fds) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfds = arena.allocate(8L * fds.length, 4); // struct pollfd { int fd; short events, revents; }
            for (int i = 0; i < fds.length; i++) {
                pollfds.set(JAVA_INT, 8L * i, fds[i]);
                pollfds.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 8L * i + 4, POLLIN);
            }
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) POLL.invokeExact(state, pollfds, (long) fds.length, timeoutMs);
            if (rc < 0) {
                if (errno(state) == Errno.EINTR) {
                    return 0;
                }
                throw new IllegalStateException("poll: " + strerror(errno(state)));
            }
            int readable = 0;
            for (int i = 0; rc > 0 && i < fds.length; i++) {
                if (pollfds.get(java.lang.foreign.ValueLayout.JAVA_SHORT, 8L * i + 6) != 0) {
                    readable |= 1 << i;
                }
            }
            return readable;
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("poll", t);
        }
    }

    /** bpf(2)'s number: the one system call here that differs between the architectures. */
    private static final long SYS_BPF = switch (System.getProperty("os.arch")) {
        case "aarch64" -> 280;
        default -> 321; // x86_64
    };
    /** syscall(2) with three arguments, the second a pointer (bpf). */
    private static final MethodHandle SYSCALL3 = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), Linker.Option.firstVariadicArg(1),
            Linker.Option.captureCallState("errno"));

    /** bpf(2) itself, for the commands libbpf 1.1 predates: what it returns, or minus the errno. */
    static long bpf(int cmd, MemorySegment attr, int size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long rc = (long) SYSCALL3.invokeExact(state, SYS_BPF, (long) cmd, attr, (long) size);
            return rc >= 0 ? rc : -errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException("bpf(" + cmd + ")", t);
        }
    }

    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CALL_STATE), fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close " + fd, t);
        }
    }

    /** A downcall that captures errno: the first argument of the handle is the call state. */
    public static MethodHandle errnoCall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd,
                Linker.Option.captureCallState("errno"));
    }

    public static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** kill(2). Returns 0, or the errno (ESRCH when the process is gone). */
    public static int kill(long pid, int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) KILL.invokeExact(state, (int) pid, signal);
            return rc == 0 ? 0 : errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException("kill " + pid, t);
        }
    }

    public static void mkfifo(String path, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) MKFIFO.invokeExact(state, arena.allocateFrom(path), mode);
            if (rc != 0) {
                throw new BpfException("mkfifo " + path, errno(state));
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mkfifo " + path, t);
        }
    }

    /**
     * setfsuid(2): the uid this thread (and only this thread: the kernel keeps it per task, and
     * glibc does not broadcast it) is checked as for file access. Returns the previous one; -1
     * changes nothing, so it reads the current one.
     */
    public static int setfsuid(int uid) {
        try {
            return (int) SETFSUID.invokeExact(uid);
        } catch (Throwable t) {
            throw new IllegalStateException("setfsuid", t);
        }
    }

    /** setfsgid(2): as {@link #setfsuid}, for the group. */
    public static int setfsgid(int gid) {
        try {
            return (int) SETFSGID.invokeExact(gid);
        } catch (Throwable t) {
            throw new IllegalStateException("setfsgid", t);
        }
    }

    /** This thread's supplementary groups. */
    public static int[] threadGroups() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment list = arena.allocate(JAVA_INT, 65536);
            int n = (int) GETGROUPS.invokeExact(state, 65536, list);
            if (n < 0) {
                throw new BpfException("getgroups", errno(state));
            }
            return list.asSlice(0, 4L * n).toArray(JAVA_INT);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("getgroups", t);
        }
    }

    /**
     * Sets this thread's supplementary groups, and only this thread's (the raw system call; the
     * kernel keeps credentials per task). Returns 0 or the errno; ENOSYS where the call's number
     * is not known for this architecture.
     */
    public static int setThreadGroups(int[] groups) {
        long number = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 116;
            case "aarch64" -> 159;
            default -> -1;
        };
        if (number < 0) {
            return 38; // ENOSYS
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment list = groups.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_INT, groups);
            long rc = (long) SYSCALL.invokeExact(state, number, (long) groups.length, list);
            return rc == 0 ? 0 : errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException("setgroups", t);
        }
    }

    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static String format(MemorySegment fmt, MemorySegment vaList) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(2048);
            int n = (int) VSNPRINTF.invokeExact(buf, 2048L, fmt, vaList);
            return n < 0 ? "" : buf.getString(0);
        } catch (Throwable t) {
            return "(unprintable libbpf message)";
        }
    }
}
