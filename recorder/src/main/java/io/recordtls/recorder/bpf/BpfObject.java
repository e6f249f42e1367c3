package io.recordtls.recorder.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A BPF ELF object opened from memory (it ships as a classpath resource), configured, then
 * loaded. Close order: links first (by their owners), then this object, then the memory that
 * held the ELF: libbpf keeps pointers into it until the object is closed.
 */
public final class BpfObject implements AutoCloseable {
    /** struct bpf_uprobe_opts is 40 bytes in libbpf 1.1 and 48 from 1.2; 48 with a zero tail suits both. */
    private static final long UPROBE_OPTS_SIZE = 48;

    private final Arena arena = Arena.ofShared();
    private MemorySegment obj;
    private boolean loaded;

    private BpfObject(MemorySegment obj) {
        this.obj = obj;
    }

    public static BpfObject open(byte[] elf, String name) {
        BpfObject result = null;
        Arena arena = null;
        try {
            Libbpf.clearLog();
            result = new BpfObject(MemorySegment.NULL);
            arena = result.arena;
            MemorySegment buf = arena.allocate(elf.length, 8);
            MemorySegment.copy(elf, 0, buf, JAVA_BYTE, 0, elf.length);
            // struct bpf_object_open_opts { size_t sz; const char *object_name; ... }: fields past sz read as 0
            MemorySegment opts = arena.allocate(16, 8);
            opts.set(JAVA_LONG, 0, 16);
            opts.set(java.lang.foreign.ValueLayout.ADDRESS, 8, arena.allocateFrom(name));
            MemorySegment state = arena.allocate(LibC.CALL_STATE);
            MemorySegment o = (MemorySegment) Libbpf.OBJECT_OPEN_MEM.invokeExact(state, buf, (long) elf.length, opts);
            if (o.equals(MemorySegment.NULL)) {
                throw new BpfException("open BPF object " + name, LibC.errno(state), Libbpf.log());
            }
            result.obj = o;
            return result;
        } catch (BpfException e) {
            if (arena != null) {
                arena.close();
            }
            throw e;
        } catch (Throwable t) {
            if (arena != null) {
                arena.close();
            }
            throw new IllegalStateException("open BPF object " + name, t);
        }
    }

    /** The initial contents of a global data section (e.g. ".rodata.config"), writable until load. */
    public MemorySegment initialValue(String sectionSuffix) {
        checkOpen();
        MemorySegment map = findMap(m -> m.endsWith(sectionSuffix));
        try {
            MemorySegment size = arena.allocate(JAVA_LONG);
            MemorySegment p = (MemorySegment) Libbpf.MAP_INITIAL_VALUE.invokeExact(map, size);
            if (p.equals(MemorySegment.NULL)) {
                throw new BpfException("no initial value for " + sectionSuffix);
            }
            return p.reinterpret(size.get(JAVA_LONG, 0));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public void setMaxEntries(String mapName, int entries) {
        checkOpen();
        MemorySegment map = findMap(mapName::equals);
        int rc = BpfMap.invoke(() -> (int) Libbpf.MAP_SET_MAX_ENTRIES.invokeExact(map, entries));
        if (rc < 0) {
            throw new BpfException("resize map " + mapName + " to " + entries, rc);
        }
    }

    /**
     * Has a uprobe program loaded for uprobe_multi links ({@link #attachUprobeMulti}); before
     * {@link #load}. Such a program can no longer be attached through a perf event.
     */
    public void loadForUprobeMulti(String program) {
        checkOpen();
        MemorySegment prog = program(program);
        int rc = BpfMap.invoke(() -> (int) Libbpf.PROGRAM_SET_EXPECTED_ATTACH_TYPE.invokeExact(prog, UprobeMultiLink.ATTACH_TYPE));
        if (rc < 0) {
            throw new BpfException("load " + program + " for uprobe_multi links", rc);
        }
    }

    /** Whether the kernel makes uprobe_multi links (Linux 6.6), asked with a program given to {@link #loadForUprobeMulti}. */
    public boolean uprobeMultiSupported(String program) {
        return UprobeMultiLink.supported(programFd(program));
    }

    /**
     * Attaches a program loaded for uprobe_multi links at several file offsets of {@code path}
     * in one link, each offset with its cookie, as uprobes or uretprobes, for one process
     * ({@code pid} > 0: it traps in no other) or every one (0).
     */
    public BpfLink attachUprobeMulti(String program, boolean retprobe, int pid, String path, long[] offsets, long[] cookies, String what) {
        checkLoaded();
        String description = (retprobe ? "uretprobes " : "uprobes ") + what + " in " + path;
        int fd = UprobeMultiLink.create(programFd(program), path, offsets, cookies, retprobe, pid);
        if (fd < 0) {
            throw new BpfException("attach " + description, -fd);
        }
        return new BpfLink(fd, description);
    }

    private int programFd(String program) {
        checkLoaded();
        MemorySegment prog = program(program);
        int fd = BpfMap.invoke(() -> (int) Libbpf.PROGRAM_FD.invokeExact(prog));
        if (fd < 0) {
            throw new BpfException("fd of program " + program, fd);
        }
        return fd;
    }

    /** Verifies and loads every program; the verifier's complaint is part of the exception. */
    public void load() {
        checkOpen();
        Libbpf.clearLog();
        int rc = BpfMap.invoke(() -> (int) Libbpf.OBJECT_LOAD.invokeExact(obj));
        if (rc < 0) {
            throw new BpfException("load BPF programs", rc, Libbpf.log());
        }
        loaded = true;
    }

    public BpfMap map(String name) {
        checkLoaded();
        MemorySegment map = findMap(name::equals);
        int fd = BpfMap.invoke(() -> (int) Libbpf.MAP_FD.invokeExact(map));
        if (fd < 0) {
            throw new BpfException("fd of map " + name, fd);
        }
        return new BpfMap(name, fd);
    }

    /** Attaches a program whose section name says where (tracepoint/..., tp_btf/...). */
    public BpfLink attach(String program) {
        checkLoaded();
        MemorySegment prog = program(program);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(LibC.CALL_STATE);
            Libbpf.clearLog();
            MemorySegment link = (MemorySegment) Libbpf.PROGRAM_ATTACH.invokeExact(state, prog);
            if (link.equals(MemorySegment.NULL)) {
                throw new BpfException("attach " + program, LibC.errno(state), Libbpf.log());
            }
            return new BpfLink(link, program);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("attach " + program, t);
        }
    }

    /**
     * Attaches a uprobe (or uretprobe) to {@code path} at a file offset, for every process
     * ({@code pid} -1) or one. The cookie is what bpf_get_attach_cookie() returns inside.
     */
    public BpfLink attachUprobe(String program, boolean retprobe, int pid, String path, long fileOffset, long cookie, String what) {
        checkLoaded();
        MemorySegment prog = program(program);
        String description = (retprobe ? "uretprobe " : "uprobe ") + what + " in " + path;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment opts = call.allocate(UPROBE_OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, UPROBE_OPTS_SIZE); // sz
            opts.set(JAVA_LONG, 8, 0);                // ref_ctr_offset
            opts.set(JAVA_LONG, 16, cookie);          // bpf_cookie
            opts.set(JAVA_BYTE, 24, (byte) (retprobe ? 1 : 0));
            MemorySegment state = call.allocate(LibC.CALL_STATE);
            Libbpf.clearLog();
            MemorySegment link = (MemorySegment) Libbpf.PROGRAM_ATTACH_UPROBE_OPTS.invokeExact(
                    state, prog, pid, call.allocateFrom(path), fileOffset, opts);
            if (link.equals(MemorySegment.NULL)) {
                throw new BpfException("attach " + description, LibC.errno(state), Libbpf.log());
            }
            return new BpfLink(link, description);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("attach " + description, t);
        }
    }

    /** Idempotent. Links must have been closed by their owners before. */
    @Override
    public synchronized void close() {
        if (!arena.scope().isAlive()) {
            return;
        }
        try {
            if (!obj.equals(MemorySegment.NULL)) {
                MemorySegment o = obj;
                obj = MemorySegment.NULL;
                Libbpf.OBJECT_CLOSE.invokeExact(o);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("close BPF object", t);
        } finally {
            arena.close();
        }
    }

    private MemorySegment program(String name) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment n = call.allocateFrom(name);
            MemorySegment prog = invokeSegment(() -> (MemorySegment) Libbpf.OBJECT_FIND_PROGRAM.invokeExact(obj, n));
            if (prog.equals(MemorySegment.NULL)) {
                throw new BpfException("no BPF program named " + name);
            }
            return prog;
        }
    }

    private MemorySegment findMap(java.util.function.Predicate<String> matches) {
        MemorySegment map = MemorySegment.NULL;
        while (true) {
            MemorySegment m = map;
            map = invokeSegment(() -> (MemorySegment) Libbpf.OBJECT_NEXT_MAP.invokeExact(obj, m));
            if (map.equals(MemorySegment.NULL)) {
                throw new BpfException("no such map in the BPF object");
            }
            MemorySegment mm = map;
            String name = invokeSegment(() -> (MemorySegment) Libbpf.MAP_NAME.invokeExact(mm)).reinterpret(256).getString(0);
            if (matches.test(name)) {
                return map;
            }
        }
    }

    private void checkOpen() {
        if (obj.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("BPF object is closed");
        }
    }

    private void checkLoaded() {
        checkOpen();
        if (!loaded) {
            throw new IllegalStateException("BPF object is not loaded yet");
        }
    }

    private static MemorySegment invokeSegment(SegmentCall call) {
        try {
            return call.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @FunctionalInterface
    private interface SegmentCall {
        MemorySegment run() throws Throwable;
    }
}
