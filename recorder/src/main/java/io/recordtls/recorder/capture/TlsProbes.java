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
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The loaded eBPF programs: tracepoints attached at once, uprobes per TLS library on request,
 * and the maps user space writes (scope, files looked at) or reads (counters, losses).
 */
public final class TlsProbes implements AutoCloseable {
    public static final String RESOURCE = "/io/recordtls/bpf/recordtls.bpf.o";

    private static final List<String> TRACEPOINT_PROGRAMS = List.of(
            // the syscalls (reads, writes, close, mmap; memory BIOs' sockets; a new child of a process with
            // TLS probes held where it first runs, until its own are planted): one raw tracepoint each way
            "rtls_sys_enter", "rtls_sys_exit",
            "rtls_exec", "rtls_fork", "rtls_exit");

    /** The programs the probe points run (TlsLibrary.ProbeKind's). */
    private static final List<String> UPROBE_PROGRAMS = java.util.Arrays.stream(TlsLibrary.ProbeKind.values())
            .map(k -> k.program).filter(java.util.Objects::nonNull).distinct().toList();

    /** Configuration of the kernel side, fixed at load. */
    public record Config(long maxCapture, int ringBufferBytes, long wakeupThreshold, boolean gateNewFiles) {
        public static Config defaults() {
            return new Config(64L << 20, 128 << 20, 1 << 20, true);
        }
    }

    private final BpfObject object;
    private final BpfMap scope, scopeCgroups, inspected, stats, losses, events, goLayouts, nssSslFiles, procs, probed, attachedFiles, calls, goCalls, skips;
    /** The tracepoints' links, for the whole recording. */
    private final List<BpfLink> links = new ArrayList<>();
    /** The uprobes planted in each process (pid-scoped), for its current image only. */
    private final Map<Integer, Planted> planted = new HashMap<>();
    private final Map<TlsLibrary.FileId, Integer> libraryIds = new HashMap<>();
    /** Every name the kernel gives a TLS-bearing file (stat's, and the events'): marked TLS in {@code inspected}. */
    private final Set<KernelFile> tlsFiles = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<TlsLibrary> libraries = new ArrayList<>();
    private final int cpus;
    /** Whether each kind of probe is one uprobe_multi link per process and file (else one perf event per offset). */
    private final boolean multi;
    private boolean closed, detached;

    private TlsProbes(BpfObject object, boolean multi) {
        this.object = object;
        this.multi = multi;
        this.scope = object.map("scope");
        this.scopeCgroups = object.map("scope_cgroups");
        this.inspected = object.map("inspected");
        this.stats = object.map("stats");
        this.losses = object.map("losses");
        this.events = object.map("events");
        this.goLayouts = object.map("go_layouts");
        this.nssSslFiles = object.map("nss_ssl_files");
        this.procs = object.map("procs");
        this.probed = object.map("probed");
        this.attachedFiles = object.map("attached");
        this.calls = object.map("calls");
        this.goCalls = object.map("go_calls");
        this.skips = object.map("skips");
        this.cpus = BpfSupport.possibleCpus();
    }

    /** For tests only: how many looked-at files the kernel remembers (it is 16384), read at each load. */
    private static int testInspectedFiles() {
        return Integer.getInteger("recordtls.test.inspectedFiles", 0);
    }

    /** Loads the programs and attaches the tracepoints; no uprobe yet, nothing in scope yet. */
    public static TlsProbes load(Config config) {
        return load(config, !Boolean.getBoolean("recordtls.test.perfEventUprobes"));
    }

    /**
     * Same, with the uprobes as uprobe_multi links where the kernel makes them ({@code multi}),
     * else as one perf event per offset (tests: the way before Linux 6.6, on any kernel).
     */
    public static TlsProbes load(Config config, boolean multi) {
        byte[] elf = readResource();
        BpfSupport.awaitBinding();
        io.recordtls.recorder.PhaseLog.mark("libbpf bound (FFM)");
        TlsProbes probes = multi ? load(elf, config, true) : null;
        if (probes == null) { // a kernel before 6.6: one perf-event uprobe per offset, with programs loaded for that
            probes = load(elf, config, false);
        }
        return probes;
    }

    /** With {@code multi}, null when the kernel makes no uprobe_multi links. */
    private static TlsProbes load(byte[] elf, Config config, boolean multi) {
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
            if (multi) {
                UPROBE_PROGRAMS.forEach(object::loadForUprobeMulti);
            }
            object.load();
            io.recordtls.recorder.PhaseLog.mark("bpf object loaded (verifier)");
            if (multi && !object.uprobeMultiSupported(UPROBE_PROGRAMS.getFirst())) {
                object.close();
                return null;
            }
            probes = new TlsProbes(object, multi);
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

    /** Whether the uprobes are uprobe_multi links (Linux 6.6 and later), one per program and process and file. */
    public boolean uprobeMulti() {
        return multi;
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

    /** A file as the kernel names it (struct rt_inode_key): the superblock's dev_t and the inode number. */
    public record KernelFile(int dev, long ino) {
        /** From what stat(2) says of the file (in a container's overlay the kernel's own may differ: use the event's). */
        public static KernelFile of(TlsLibrary.FileId id) {
            return new KernelFile(kernelDev(id.dev()), id.ino());
        }
    }

    /**
     * Tells the kernel side a file has been looked at, so processes mapping it are not stopped
     * again for it; but a TLS-bearing one still stops each process mapping it that has no probes
     * planted for it yet.
     */
    public void markInspected(int kernelDev, long inode, boolean tls) {
        // never downgraded: a file known to be TLS-bearing stays so whatever a later look concluded
        // (a process gone before its file could be looked at must not leave the next ones unprobed)
        tls |= tlsFiles.contains(new KernelFile(kernelDev, inode));
        if (tls) {
            tlsFiles.add(new KernelFile(kernelDev, inode));
        }
        try (Arena arena = Arena.ofConfined()) {
            inspected.put(fileKey(arena, kernelDev, inode), arena.allocateFrom(JAVA_INT, tls ? EventLayout.FILE_TLS : EventLayout.FILE_PLAIN));
        }
    }

    private static MemorySegment fileKey(Arena arena, int kernelDev, long inode) {
        MemorySegment key = arena.allocate(16, 8);
        key.set(JAVA_INT, 0, kernelDev);
        key.set(JAVA_LONG, 8, inode);
        return key;
    }

    /** glibc's st_dev encoding to the kernel's internal dev_t (major << 20 | minor). */
    static int kernelDev(long stDev) {
        long major = ((stDev >>> 8) & 0xfff) | ((stDev >>> 32) & ~0xfffL);
        long minor = (stDev & 0xff) | ((stDev >>> 12) & ~0xffL);
        return (int) ((major << 20) | (minor & 0xfffff));
    }

    /**
     * Makes a TLS library known: the id events carry for it, and the kernel side told that the
     * file is TLS-bearing. No probe is planted: {@link #attach} does that per process.
     * Idempotent per file.
     */
    public synchronized int register(TlsLibrary library) {
        Integer known = libraryIds.get(library.id());
        if (known != null) {
            return known;
        }
        int id = libraries.size();
        if (library.go() != null) {
            setGoLayout(id, library.go()); // before the first probe can fire
        }
        if (library.points().stream().anyMatch(p -> p.kind() == TlsLibrary.ProbeKind.NSS_SSL_CODE)) {
            markNssSsl(library.id()); // before the NSPR probes can see one of its fds
        }
        libraries.add(library);
        libraryIds.put(library.id(), id);
        KernelFile file = KernelFile.of(library.id());
        markInspected(file.dev(), file.ino(), true);
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

    /**
     * Plants uprobes on entry and return of each TLS function the library defines in one process
     * only (pid-scoped: no other process that maps the file traps), one uprobe_multi link per
     * program where the kernel makes them (about 1 ms for a libssl here, against 20-40 ms for a
     * perf event per offset), and tells the kernel side
     * they are planted for the process's current image, under each name the kernel may give the
     * file ({@code names}: from the event that reported it, and from stat). Idempotent per
     * process image and file: a process that exec'd since loses the probes of its old image.
     */
    public void attach(int pid, TlsLibrary library, String attachPath, KernelFile... names) {
        attaching.incrementAndGet(); // before the lock: closes wait for an attach that waits for it too
        try {
            attachLocked(pid, library, attachPath, names);
        } finally {
            attaching.decrementAndGet();
        }
    }

    private synchronized void attachLocked(int pid, TlsLibrary library, String attachPath, KernelFile... names) {
        int id = register(library);
        if (detached) {
            return; // the recording is stopping: a process released now needs no probe
        }
        long gen = generation(pid);
        Planted p = planted.get(pid);
        if (p != null && p.gen != gen) {
            forget(pid); // its old image is gone: so are the breakpoints these links stand for
            p = null;
        }
        if (p == null) {
            p = new Planted(gen);
            planted.put(pid, p);
        }
        PlantedFile f = p.files.get(library.id());
        if (f == null) {
            List<BpfLink> attached = java.util.Collections.synchronizedList(new ArrayList<>());
            try {
                // All at once: each registration takes the kernel's uprobe write lock, which waits for an
                // RCU grace period unless another writer holds it already; one after the other, a
                // process waited for a dozen grace periods (most of a second here) before it could go on.
                List<java.util.concurrent.Future<?>> pending = new ArrayList<>();
                if (multi) {
                    // one link per program: its points' offsets and cookies in one call
                    Map<TlsLibrary.ProbeKind, List<TlsLibrary.ProbePoint>> byKind = new java.util.EnumMap<>(TlsLibrary.ProbeKind.class);
                    for (TlsLibrary.ProbePoint point : library.points()) {
                        if (point.kind() != TlsLibrary.ProbeKind.NSS_SSL_CODE) { // no probe: the file is known to the kernel side (register)
                            byKind.computeIfAbsent(point.kind(), k -> new ArrayList<>()).add(point);
                        }
                    }
                    byKind.forEach((kind, points) -> {
                        long[] offsets = points.stream().mapToLong(TlsLibrary.ProbePoint::offset).toArray();
                        long[] cookies = points.stream().mapToLong(point -> cookie(id, library, point)).toArray();
                        String what = kind.program + " on " + points.stream().map(pt -> pt.function().name()).distinct()
                                .collect(java.util.stream.Collectors.joining(", ")) + " of pid " + pid;
                        pending.add(planter.submit(() -> attached.add(object.attachUprobeMulti(kind.program, kind.uretprobe, pid,
                                attachPath, offsets, cookies, what))));
                    });
                } else {
                    for (TlsLibrary.ProbePoint point : library.points()) {
                        if (point.kind() == TlsLibrary.ProbeKind.NSS_SSL_CODE) {
                            continue;
                        }
                        pending.add(planter.submit(() -> attached.add(object.attachUprobe(point.kind().program, point.kind().uretprobe, pid,
                                attachPath, point.offset(), cookie(id, library, point), point.function().name()
                                        + (point.kind() == TlsLibrary.ProbeKind.GO_RET ? " RET at " + point.offset() : "") + " of pid " + pid))));
                    }
                }
                awaitAll(pending);
            } catch (RuntimeException e) {
                closeLater(attached);
                if (p.files.isEmpty()) {
                    planted.remove(pid);
                }
                throw e;
            }
            f = new PlantedFile(library, attachPath, attached, new java.util.LinkedHashSet<>());
            p.files.put(library.id(), f);
        }
        f.names.add(KernelFile.of(library.id()));
        f.names.addAll(List.of(names));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocateFrom(JAVA_LONG, gen);
            for (KernelFile name : f.names) {
                attachedFiles.put(attachKey(arena, pid, name), value);
            }
            probed.put(arena.allocateFrom(JAVA_INT, pid), value);
        }
    }

    /** What bpf_get_attach_cookie() returns at a point: the library's id and the function's code; rtls_bio_enter's offset of the BIO's data pointer. */
    private static long cookie(int libraryId, TlsLibrary library, TlsLibrary.ProbePoint point) {
        return ((long) libraryId << 8) | point.function().code()
                | (point.kind() == TlsLibrary.ProbeKind.BIO_ENTRY ? (long) library.bioDataOffset() << 32 : 0);
    }

    /** Waits for every task; rethrows the first failure (a BpfException as it is). */
    private static void awaitAll(List<java.util.concurrent.Future<?>> pending) {
        RuntimeException failure = null;
        for (java.util.concurrent.Future<?> f : pending) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure != null ? failure : new IllegalStateException("interrupted while planting probes");
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static MemorySegment attachKey(Arena arena, int pid, KernelFile file) {
        MemorySegment key = arena.allocate(16, 8);
        key.set(JAVA_INT, 0, pid);
        key.set(JAVA_INT, 4, file.dev());
        key.set(JAVA_LONG, 8, file.ino());
        return key;
    }

    /**
     * The generation of the process's current image as the kernel side numbers it (new at each
     * exec and fork in scope). A process that was in scope before the recording started has none
     * yet: it gets one here (the kernel's, should it exec meanwhile, wins).
     */
    private long generation(int pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocateFrom(JAVA_INT, pid);
            MemorySegment value = arena.allocate(JAVA_LONG);
            if (procs.get(key, value)) {
                return value.get(JAVA_LONG, 0);
            }
            procs.putIfAbsent(key, arena.allocateFrom(JAVA_LONG, System.nanoTime())); // else the kernel numbered it first
            return procs.get(key, value) ? value.get(JAVA_LONG, 0) : 0;
        }
    }

    /** A TLS library whose probes are planted in a process, and the path they were attached through. */
    public record PlantedLibrary(TlsLibrary library, String path, List<KernelFile> names) {}

    /** The TLS libraries whose probes are planted in this process's current image. */
    public synchronized List<PlantedLibrary> plantedIn(int pid) {
        Planted p = planted.get(pid);
        if (p == null) {
            return List.of();
        }
        return p.files.values().stream().map(f -> new PlantedLibrary(f.library, f.path, List.copyOf(f.names))).toList();
    }

    /**
     * The TLS libraries this process had probes planted in, now or before it exec'd or ended: what
     * its mappings said, for a process that is gone by the time its undecoded TLS is explained.
     */
    public synchronized java.util.Set<String> probedIn(int pid) {
        java.util.Set<String> names = new java.util.TreeSet<>(wasProbed.getOrDefault(pid, java.util.Set.of()));
        plantedIn(pid).forEach(l -> names.add(l.library().name()));
        return names;
    }

    /** Bounded: the processes that ended longest ago are forgotten first. */
    private final Map<Integer, java.util.Set<String>> wasProbed = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, java.util.Set<String>> eldest) {
            return size() > 16_384;
        }
    };

    /** How many uprobe links are open for this process (tests: probes are planted per process, and removed). */
    public synchronized int linksOf(int pid) {
        Planted p = planted.get(pid);
        return p == null ? 0 : p.files.values().stream().mapToInt(f -> f.links.size()).sum();
    }

    /** How many uprobe links are open for all processes, closing ones included. */
    public synchronized int uprobeLinks() {
        return planted.values().stream().flatMap(p -> p.files.values().stream()).mapToInt(f -> f.links.size()).sum() + closing.get();
    }

    /**
     * The process ended or exec'd: closes the links of its probes (in the background: each waits
     * for an RCU grace period) and forgets what the kernel side was told of them.
     */
    public synchronized void forget(int pid) {
        Planted p = planted.remove(pid);
        if (p == null) {
            return;
        }
        for (PlantedFile f : p.files.values()) {
            wasProbed.computeIfAbsent(pid, x -> new java.util.TreeSet<>()).add(f.library.name());
        }
        try (Arena arena = Arena.ofConfined()) {
            for (PlantedFile f : p.files.values()) {
                for (KernelFile name : f.names) {
                    attachedFiles.delete(attachKey(arena, pid, name));
                }
                closeLater(f.links);
            }
        }
    }

    private final java.util.concurrent.atomic.AtomicInteger closing = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * Closes the links of ended processes off the caller's thread (the ring-buffer thread must not
     * wait for grace periods), on one thread: see {@link #closeDeferred}. A platform thread: a
     * native call pins a virtual thread.
     */
    private final java.util.concurrent.ThreadPoolExecutor closer = new java.util.concurrent.ThreadPoolExecutor(1, 1, 5,
            java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
            r -> Thread.ofPlatform().daemon().name("recordtls-unprobe").unstarted(r));
    /** Plants a library's probes in a process all at once (apart from the closer: closes queued there must not delay a held process). */
    private final java.util.concurrent.ThreadPoolExecutor planter = new java.util.concurrent.ThreadPoolExecutor(16, 16, 5,
            java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
            r -> Thread.ofPlatform().daemon().name("recordtls-probe").unstarted(r));
    {
        closer.allowCoreThreadTimeOut(true); // no thread kept while no process ends
        planter.allowCoreThreadTimeOut(true);
    }
    private final List<RuntimeException> closeFailures = java.util.Collections.synchronizedList(new ArrayList<>());

    private final List<BpfLink> deferred = new ArrayList<>();

    private void closeLater(List<BpfLink> toClose) {
        if (closer.isShutdown()) { // detached already: nothing is waiting on this thread any more
            toClose.forEach(BpfLink::close);
            return;
        }
        synchronized (deferred) {
            deferred.addAll(toClose);
            closing.addAndGet(toClose.size());
        }
        try {
            closer.execute(this::closeDeferred);
        } catch (java.util.concurrent.RejectedExecutionException detaching) {
            // detach closes what is left
        }
    }

    /**
     * Links of processes that ended wait here and are closed one at a time, never while a probe
     * is being planted. Where the kernel makes uprobe_multi links (Linux 6.6) a process has one
     * link per program (three for a libssl), and closing one takes no lock that planting needs
     * for long. Before, each offset was a perf event: closing one takes the kernel's trace event
     * mutex for a grace period or two (about 50 ms here), planting one needs that mutex too, and
     * a batch of closes held a process that came meanwhile for 0.7-3.5 s (a JVM starting curl in
     * a loop: the child stopped at exec that long); one at a time, a process waits for one close
     * at most, and the kernel closes about 20 of them a second. What is left when the recording
     * stops is closed then. Each ended process queues one run of this on the closer's single
     * thread: a run finds the links of the processes before it, and the runs after it find nothing.
     */
    private final java.util.concurrent.atomic.AtomicInteger attaching = new java.util.concurrent.atomic.AtomicInteger();

    private void closeDeferred() {
        try {
            while (!closer.isShutdown()) {
                while (attaching.get() > 0) {
                    Thread.sleep(2); // a held process goes first
                }
                BpfLink link;
                synchronized (deferred) {
                    if (deferred.isEmpty()) {
                        return;
                    }
                    link = deferred.removeFirst();
                }
                try {
                    link.close();
                } catch (RuntimeException e) {
                    closeFailures.add(e);
                } finally {
                    closing.decrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // detach closes what is left
        }
    }

    private static final class Planted {
        final long gen;
        final Map<TlsLibrary.FileId, PlantedFile> files = new java.util.LinkedHashMap<>();

        Planted(long gen) {
            this.gen = gen;
        }
    }

    private record PlantedFile(TlsLibrary library, String path, List<BpfLink> links, java.util.Set<KernelFile> names) {}

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

    /**
     * Waits, at most {@code maxWaitNanos}, until no write that entered its TLS function in the
     * second before {@code nowNanos} (CLOCK_MONOTONIC) is still inside it, and returns how many
     * still are. A write's bytes are captured when it returns, and its peer can have them (and the
     * test can end the recording) before the writer's return probe has run: a server recorded by
     * pid loses the last frame of its last response otherwise. A write older than that second is
     * blocked (a peer that stopped reading), not about to return: it is not waited for.
     */
    public int awaitWritesInFlight(long nowNanos, long maxWaitNanos) {
        long deadline = System.nanoTime() + maxWaitNanos;
        long since = nowNanos - 1_000_000_000L;
        while (true) {
            int n = writesInFlight(since, nowNanos);
            if (n == 0 || System.nanoTime() >= deadline || detached) {
                return n;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return n;
            }
        }
    }

    private int writesInFlight(long since, long until) {
        int[] n = {0};
        java.util.function.BiConsumer<Long, Integer> count = (ts, dir) -> {
            if (dir == EventLayout.DIR_OUT && ts >= since && ts <= until) {
                n[0]++;
            }
        };
        calls.forEach(EventLayout.CALL_KEY_SIZE, EventLayout.CALL_SIZE, (k, v) ->
                count.accept(v.get(JAVA_LONG, EventLayout.CALL_TS_ENTER), k.get(JAVA_INT, EventLayout.CALL_KEY_DIR)));
        goCalls.forEach(EventLayout.GO_CALL_KEY_SIZE, EventLayout.GO_CALL_SIZE, (k, v) ->
                count.accept(v.get(JAVA_LONG, EventLayout.GO_CALL_TS_ENTER), k.get(JAVA_INT, EventLayout.GO_CALL_KEY_DIR)));
        return n[0];
    }

    /**
     * From now on, bytes of this connection's direction at stream offsets [from, until) are
     * counted and numbered but not copied (they are past --max-body); this replaces the
     * direction's earlier range. Best effort: a full or failing map leaves them copied, which
     * costs ring space, never bytes.
     */
    public void skipCopying(long connId, boolean out, long from, long until) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocateFrom(JAVA_LONG, connId);
            MemorySegment value = arena.allocate(EventLayout.SKIP_SIZE, 8);
            if (!skips.get(key, value)) {
                value.fill((byte) 0);
            }
            long dir = out ? 8 : 0;
            value.set(JAVA_LONG, EventLayout.SKIP_FROM + dir, from);
            value.set(JAVA_LONG, EventLayout.SKIP_UNTIL + dir, until);
            skips.put(key, value);
        } catch (RuntimeException e) {
            // the bytes keep crossing the ring: nothing is lost
        }
    }

    /** The connection is over: its skip offsets go (an LRU map would forget them anyway). */
    public void forgetSkips(long connId) {
        try (Arena arena = Arena.ofConfined()) {
            skips.delete(arena.allocateFrom(JAVA_LONG, connId));
        } catch (RuntimeException e) {
            // gone already
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
     * all at once: a link waits for a grace period or more when closed (the syscall tracepoints
     * 20-30 ms each here, one after the other on the kernel's trace event mutex), and waiting
     * for each in turn made stopping longer still.
     */
    public synchronized void detach() {
        detached = true;
        List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>(closeFailures));
        List<Thread> closers = new ArrayList<>();
        List<BpfLink> all = new ArrayList<>(links);
        planted.values().forEach(p -> p.files.values().forEach(f -> all.addAll(f.links)));
        planted.clear();
        synchronized (deferred) {
            all.addAll(deferred);
            closing.addAndGet(-deferred.size());
            deferred.clear();
        }
        for (BpfLink link : all) {
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
        planter.shutdown();
        closer.shutdown(); // links of processes that ended, closing still: done before detach returns
        try {
            closer.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
