package io.recordtls.recorder.capture;

import io.recordtls.recorder.bpf.BpfException;
import io.recordtls.recorder.bpf.BpfLink;
import io.recordtls.recorder.bpf.BpfMap;
import io.recordtls.recorder.bpf.BpfObject;
import io.recordtls.recorder.bpf.BpfSupport;
import io.recordtls.recorder.bpf.BpfUnavailableException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The loaded eBPF programs: tracepoints attached at once, uprobes per TLS library on request,
 * and the maps user space writes (scope, files looked at) or reads (counters, losses).
 */
public final class TlsProbes implements AutoCloseable {
    public static final String RESOURCE = "/io/recordtls/bpf/recordtls.bpf.o";

    private static final List<String> TRACEPOINT_PROGRAMS = List.of(
            "rtls_fd_read", "rtls_fd_write", "rtls_fd_readv", "rtls_fd_writev", "rtls_fd_sendto",
            "rtls_fd_recvfrom", "rtls_fd_sendmsg", "rtls_fd_recvmsg", "rtls_close",
            "rtls_exec", "rtls_mmap", "rtls_fork", "rtls_exit",
            // memory BIOs (node, netty-tcnative): the socket a connection's records are written to
            "rtls_membio_write", "rtls_membio_writev", "rtls_membio_sendto", "rtls_membio_sendmsg");

    /** Configuration of the kernel side, fixed at load. */
    public record Config(long maxCapture, int ringBufferBytes, long wakeupThreshold, boolean gateNewFiles) {
        public static Config defaults() {
            return new Config(64L << 20, 32 << 20, 1 << 20, true);
        }
    }

    private final BpfObject object;
    private final BpfMap scope, scopeCgroups, inspected, stats, losses, events, goLayouts, nssSslFiles;
    private final List<BpfLink> links = new ArrayList<>();
    private final Map<TlsLibrary.FileId, Integer> libraryIds = new HashMap<>();
    private final List<TlsLibrary> libraries = new ArrayList<>();
    private final int cpus;
    private boolean closed;

    private TlsProbes(BpfObject object) {
        this.object = object;
        this.scope = object.map("scope");
        this.scopeCgroups = object.map("scope_cgroups");
        this.inspected = object.map("inspected");
        this.stats = object.map("stats");
        this.losses = object.map("losses");
        this.events = object.map("events");
        this.goLayouts = object.map("go_layouts");
        this.nssSslFiles = object.map("nss_ssl_files");
        this.cpus = BpfSupport.possibleCpus();
    }

    /** For tests only: how many looked-at files the kernel remembers (it is 16384), read at each load. */
    private static int testInspectedFiles() {
        return Integer.getInteger("recordtls.test.inspectedFiles", 0);
    }

    /** Loads the programs and attaches the tracepoints; no uprobe yet, nothing in scope yet. */
    public static TlsProbes load(Config config) {
        String tracefs = TraceFs.ensureMounted();
        if (tracefs != null) {
            throw new BpfUnavailableException(tracefs);
        }
        byte[] elf = readResource();
        BpfSupport.awaitBinding();
        io.recordtls.recorder.PhaseLog.mark("libbpf bound (FFM)");
        BpfObject object = BpfObject.open(elf, "recordtls");
        io.recordtls.recorder.PhaseLog.mark("bpf object opened");
        TlsProbes probes = null;
        try {
            MemorySegment cfg = object.initialValue(".rodata.config");
            cfg.set(JAVA_INT, EventLayout.CFG_RECORDER_TGID, (int) ProcessHandle.current().pid());
            cfg.set(JAVA_INT, EventLayout.CFG_MAX_CAPTURE, (int) Math.min(config.maxCapture(), Integer.MAX_VALUE));
            cfg.set(JAVA_LONG, EventLayout.CFG_WAKEUP_THRESHOLD, config.wakeupThreshold());
            cfg.set(JAVA_INT, EventLayout.CFG_GATE, config.gateNewFiles() ? 1 : 0);
            object.setMaxEntries("events", ringSize(config.ringBufferBytes()));
            if (testInspectedFiles() > 0) {
                object.setMaxEntries("inspected", testInspectedFiles());
            }
            object.load();
            io.recordtls.recorder.PhaseLog.mark("bpf object loaded (verifier)");
            probes = new TlsProbes(object);
            for (String program : TRACEPOINT_PROGRAMS) {
                probes.links.add(object.attach(program));
            }
            io.recordtls.recorder.PhaseLog.mark("tracepoints attached");
            return probes;
        } catch (RuntimeException e) {
            if (probes != null) {
                probes.close();
            } else {
                object.close();
            }
            throw e;
        }
    }

    /** The ring buffer must be a power-of-two number of pages. */
    private static int ringSize(int bytes) {
        int size = 4096;
        while (size < bytes && size < (1 << 30)) {
            size <<= 1;
        }
        return size;
    }

    private static byte[] readResource() {
        try (InputStream in = TlsProbes.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new BpfUnavailableException("the eBPF object " + RESOURCE + " is not on the classpath: build the bpf module (mvn -pl bpf package)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new BpfUnavailableException("read " + RESOURCE + ": " + e.getMessage());
        }
    }

    public BpfMap eventsMap() {
        return events;
    }

    /** Puts one process in scope; its future children follow in the kernel. */
    public void addToScope(long pid) {
        try (Arena arena = Arena.ofConfined()) {
            scope.put(arena.allocateFrom(JAVA_INT, (int) pid), arena.allocateFrom(JAVA_INT, 1));
        }
    }

    /** Takes one process out of scope (its pid may name another process by now). */
    public void removeFromScope(long pid) {
        try (Arena arena = Arena.ofConfined()) {
            scope.delete(arena.allocateFrom(JAVA_INT, (int) pid));
        }
    }

    /** Puts every process that execs in this cgroup (v2 id), or below it, in scope from that exec on. */
    public void addScopeCgroup(long cgroupId) {
        try (Arena arena = Arena.ofConfined()) {
            scopeCgroups.put(arena.allocateFrom(JAVA_LONG, cgroupId), arena.allocateFrom(JAVA_INT, 1));
        }
    }

    public boolean inScope(long pid) {
        try (Arena arena = Arena.ofConfined()) {
            return scope.get(arena.allocateFrom(JAVA_INT, (int) pid), arena.allocate(JAVA_INT));
        }
    }

    /** Tells the kernel side a file has been looked at, so processes mapping it are not stopped again. */
    public void markInspected(int kernelDev, long inode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(16, 8);
            key.set(JAVA_INT, 0, kernelDev);
            key.set(JAVA_LONG, 8, inode);
            inspected.put(key, arena.allocateFrom(JAVA_INT, 1));
        }
    }

    /** Same, from what stat(2) says of the file. */
    public void markInspected(TlsLibrary.FileId id) {
        markInspected(kernelDev(id.dev()), id.ino());
    }

    /** glibc's st_dev encoding to the kernel's internal dev_t (major << 20 | minor). */
    static int kernelDev(long stDev) {
        long major = ((stDev >>> 8) & 0xfff) | ((stDev >>> 32) & ~0xfffL);
        long minor = (stDev & 0xff) | ((stDev >>> 12) & ~0xffL);
        return (int) ((major << 20) | (minor & 0xfffff));
    }

    /**
     * Puts uprobes on entry and return of each SSL function the library defines, for every
     * process: the programs filter by scope first thing. Idempotent per file. Returns the id
     * events carry for this library.
     */
    public synchronized int attach(TlsLibrary library, String attachPath) {
        Integer known = libraryIds.get(library.id());
        if (known != null) {
            return known;
        }
        int id = libraries.size();
        List<BpfLink> attached = new ArrayList<>();
        try {
            if (library.go() != null) {
                setGoLayout(id, library.go()); // before the first probe can fire
            }
            for (TlsLibrary.ProbePoint p : library.points()) {
                if (p.kind() == TlsLibrary.ProbeKind.NSS_SSL_CODE) {
                    markNssSsl(library.id()); // before the NSPR probes can see one of its fds
                    continue;
                }
                long cookie = ((long) id << 8) | p.function().code();
                if (p.kind() == TlsLibrary.ProbeKind.BIO_ENTRY) {
                    cookie |= (long) library.bioDataOffset() << 32; // rtls_bio_enter follows the BIO's data pointer there
                }
                attached.add(object.attachUprobe(p.kind().program, p.kind().uretprobe, -1, attachPath, p.offset(), cookie,
                        p.function().name() + (p.kind() == TlsLibrary.ProbeKind.GO_RET ? " RET at " + p.offset() : "")));
            }
        } catch (BpfException e) {
            attached.forEach(BpfLink::close);
            throw e;
        }
        links.addAll(attached);
        libraries.add(library);
        libraryIds.put(library.id(), id);
        markInspected(library.id());
        return id;
    }

    /** Tells the kernel side that this file is NSS's SSL library: an NSPR fd whose methods are its code is an SSL fd. */
    private void markNssSsl(TlsLibrary.FileId file) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(16, 8);
            key.set(JAVA_INT, 0, kernelDev(file.dev()));
            key.set(JAVA_LONG, 8, file.ino());
            nssSslFiles.put(key, arena.allocateFrom(JAVA_INT, 1));
        }
    }

    /** Tells the kernel side where the fd lies behind a *tls.Conn in this Go program. */
    private void setGoLayout(int id, TlsLibrary.GoLayout layout) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(16, 4);
            value.set(JAVA_INT, 0, layout.connData());
            value.set(JAVA_INT, 4, layout.netFd());
            value.set(JAVA_INT, 8, layout.sysfd());
            goLayouts.put(arena.allocateFrom(JAVA_INT, id), value);
        }
    }

    public synchronized List<TlsLibrary> libraries() {
        return List.copyOf(libraries);
    }

    public synchronized TlsLibrary library(int id) {
        return id >= 0 && id < libraries.size() ? libraries.get(id) : null;
    }

    /** What the HAR calls the TLS stack of a connection reported with this library id. */
    public synchronized String libraryName(int id) {
        if (id == EventLayout.LIB_JSSE) {
            return JSSE;
        }
        TlsLibrary lib = library(id);
        return lib == null ? "unknown" : lib.name();
    }

    /** The TLS stack of connections the JVM probe reports. */
    public static final String JSSE = "JSSE";

    public CaptureStats stats() {
        try (Arena arena = Arena.ofConfined()) {
            long slot = EventLayout.STATS_FIELDS * 8L;
            MemorySegment values = arena.allocate(slot * cpus, 8);
            if (!stats.get(arena.allocateFrom(JAVA_INT, 0), values)) {
                return CaptureStats.NONE;
            }
            long[] sum = new long[EventLayout.STATS_FIELDS];
            for (int cpu = 0; cpu < cpus; cpu++) {
                for (int f = 0; f < sum.length; f++) {
                    sum[f] += values.get(JAVA_LONG, cpu * slot + f * 8L);
                }
            }
            return CaptureStats.of(sum);
        }
    }

    /** Connections the kernel could not deliver everything of, by connection id. */
    public Map<Long, ConnectionLoss> losses() {
        Map<Long, ConnectionLoss> result = new HashMap<>();
        losses.forEach(8, EventLayout.LOSS_SIZE, (k, v) -> result.put(k.get(JAVA_LONG, 0),
                new ConnectionLoss(v.get(JAVA_LONG, 0), v.get(JAVA_LONG, 8), v.get(JAVA_LONG, 16))));
        return result;
    }

    /**
     * Detaches every probe: no new event after this returns. Idempotent. The links are closed
     * all at once: each perf-event link waits for an RCU grace period (60-120 ms here), and
     * waiting for them one by one made stopping take seconds.
     */
    public synchronized void detach() {
        List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> closers = new ArrayList<>();
        for (BpfLink link : links) {
            closers.add(Thread.ofPlatform().daemon().start(() -> { // platform: a native call pins a virtual thread
                try {
                    link.close();
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : closers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break; // the remaining closers finish on their own; links close when the process exits anyway
            }
        }
        links.clear();
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }

    /** Idempotent. Whoever reads the ring buffer must have stopped before. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            detach();
        } finally {
            object.close();
        }
    }
}
