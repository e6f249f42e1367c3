package io.recordtls.recorder.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Hand-written bindings to the parts of libbpf.so.1 (>= 1.1) the recorder uses. Functions that
 * return pointers report failure as NULL plus errno, so those capture errno; the others return
 * a negative errno themselves.
 */
final class Libbpf {
    private static final Linker LINKER = LibC.LINKER;
    private static final SymbolLookup LIB = open();

    static final MethodHandle OBJECT_OPEN_MEM = withErrno("bpf_object__open_mem", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static final MethodHandle OBJECT_LOAD = plain("bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle OBJECT_CLOSE = plain("bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle OBJECT_NEXT_MAP = plain("bpf_object__next_map", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle OBJECT_FIND_PROGRAM = plain("bpf_object__find_program_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle MAP_NAME = plain("bpf_map__name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle MAP_FD = plain("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_SET_MAX_ENTRIES = plain("bpf_map__set_max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle MAP_INITIAL_VALUE = plain("bpf_map__initial_value", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_ATTACH = withErrno("bpf_program__attach", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_ATTACH_UPROBE_OPTS = withErrno("bpf_program__attach_uprobe_opts",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    static final MethodHandle PROGRAM_FD = plain("bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle PROGRAM_SET_EXPECTED_ATTACH_TYPE = plain("bpf_program__set_expected_attach_type",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle LINK_DESTROY = plain("bpf_link__destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_UPDATE_ELEM = plain("bpf_map_update_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    static final MethodHandle MAP_LOOKUP_ELEM = plain("bpf_map_lookup_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle MAP_DELETE_ELEM = plain("bpf_map_delete_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle MAP_GET_NEXT_KEY = plain("bpf_map_get_next_key", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle RING_BUFFER_NEW = withErrno("ring_buffer__new", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle RING_BUFFER_EPOLL_FD = plain("ring_buffer__epoll_fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle RING_BUFFER_CONSUME = plain("ring_buffer__consume", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle RING_BUFFER_FREE = plain("ring_buffer__free", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle NUM_POSSIBLE_CPUS = plain("libbpf_num_possible_cpus", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle MAJOR_VERSION = plain("libbpf_major_version", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle MINOR_VERSION = plain("libbpf_minor_version", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SET_PRINT = plain("libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS));

    /** The last lines libbpf printed (verifier logs included), shown when loading fails. */
    private static final Deque<String> LOG = new ArrayDeque<>();
    private static final int LOG_LINES = 200;

    static {
        installPrinter();
    }

    private Libbpf() {}

    static String version() {
        try {
            return (int) MAJOR_VERSION.invokeExact() + "." + (int) MINOR_VERSION.invokeExact();
        } catch (Throwable t) {
            return "unknown";
        }
    }

    static int possibleCpus() {
        try {
            int n = (int) NUM_POSSIBLE_CPUS.invokeExact();
            if (n <= 0) {
                throw new BpfException("libbpf_num_possible_cpus", n);
            }
            return n;
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Clears the captured libbpf output before an operation whose failure should show it. */
    static synchronized void clearLog() {
        LOG.clear();
    }

    static synchronized String log() {
        return String.join("", LOG).strip();
    }

    private static synchronized void append(String line) {
        LOG.addLast(line);
        while (LOG.size() > LOG_LINES) {
            LOG.removeFirst();
        }
        if (System.getenv("RECORDTLS_DEBUG_LIBBPF") != null) {
            System.err.print("libbpf: " + line);
        }
    }

    /** Upcall from libbpf's printer: must never throw. */
    @SuppressWarnings("unused")
    private static int print(int level, MemorySegment fmt, MemorySegment vaList) {
        try {
            append(LibC.format(fmt.reinterpret(4096), vaList));
        } catch (Throwable ignored) {
            // a lost log line is better than a crashed JVM
        }
        return 0;
    }

    private static void installPrinter() {
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(Libbpf.class, "print",
                    MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            MemorySegment stub = LINKER.upcallStub(target, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
            MemorySegment previous = (MemorySegment) SET_PRINT.invokeExact(stub);
        } catch (Throwable t) {
            throw new ExceptionInInitializerError(t);
        }
    }

    private static SymbolLookup open() {
        for (String name : List.of("libbpf.so.1", "libbpf.so")) {
            try {
                return SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException notFound) {
                // try the next name
            }
        }
        throw new BpfUnavailableException("libbpf.so.1 is not installed: apt-get install libbpf1 (Debian/Ubuntu) or dnf install libbpf");
    }

    private static MemorySegment symbol(String name) {
        return LIB.find(name).orElseThrow(() -> new BpfUnavailableException(
                "libbpf has no " + name + ": libbpf >= 1.1 is needed (found " + safeVersion() + ")"));
    }

    private static String safeVersion() {
        try {
            return LIB.find("libbpf_major_version").isPresent() ? "an older 1.x" : "< 1.0";
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    private static MethodHandle plain(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    private static MethodHandle withErrno(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd, Linker.Option.captureCallState("errno"));
    }
}
