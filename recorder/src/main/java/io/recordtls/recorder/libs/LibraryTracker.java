package io.recordtls.recorder.libs;

import io.recordtls.recorder.capture.TlsLibrary;
import io.recordtls.recorder.bpf.BpfException;
import io.recordtls.recorder.bpf.LibC;
import io.recordtls.recorder.capture.CaptureEvent;
import io.recordtls.recorder.capture.TlsProbes;
import io.recordtls.recorder.scope.ProcFs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the TLS libraries processes in scope actually use and plants their probes in each process
 * in scope that maps one, in that process only: the system libssl is looked at once at start,
 * what running processes map when they are added, and every file a process in scope execs or maps
 * when it is new or TLS-bearing (the kernel holds that process until its probes are planted), and
 * a child forked by a process with probes (held likewise: probes follow no fork).
 */
public final class LibraryTracker implements AutoCloseable {
    private final TlsProbes probes;
    /** Files looked at, the most recent {@value #LOOKED_MAX}: forgetting one costs a second look, never a probe (TlsProbes attaches once per file). */
    private final Map<TlsLibrary.FileId, Optional<TlsLibrary>> looked = new java.util.LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TlsLibrary.FileId, Optional<TlsLibrary>> eldest) {
            return size() > LOOKED_MAX;
        }
    };
    static final int LOOKED_MAX = 65536;
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final HeldProcesses held = new HeldProcesses();
    private final JvmListener onJvm;

    /** Told of each process in scope found to run a JVM: {@code starting} when the kernel saw it map libjvm. */
    @FunctionalInterface
    public interface JvmListener {
        void onJvm(long pid, boolean starting);
    }
    /** For tests of the watchdog only: how long to keep a held process before looking. */
    private static final long TEST_DELAY_MS = Long.getLong("recordtls.test.gateDelayMs", 0);

    public LibraryTracker(TlsProbes probes, JvmListener onJvm) {
        this.probes = probes;
        this.onJvm = onJvm;
    }

    /**
     * libjvm: a JVM, whose TLS (JSSE) no uprobe sees; the JVM probe must be brought in. It is
     * never marked as looked at, so the kernel reports every JVM that starts in scope.
     */
    private static boolean isJvm(Path path) {
        return path.getFileName() != null && path.getFileName().toString().equals("libjvm.so");
    }

    /**
     * TLS libraries no probe decodes, by file name: a process that maps one is named, so that an
     * empty recording is never silent. Never marked as looked at either: each process is named.
     */
    private static final java.util.regex.Pattern UNPROBED_TLS = java.util.regex.Pattern.compile(
            "(libwolfssl|libmbedtls)\\.so.*");
    private static final Map<String, String> STACKS = Map.of("libwolfssl", "wolfSSL", "libmbedtls", "Mbed TLS");
    private final java.util.Set<String> named = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Names the process if the file is a TLS library recordtls does not probe; true if it is one. */
    private boolean unprobedTls(long pid, Path path) {
        if (path.getFileName() == null) {
            return false;
        }
        java.util.regex.Matcher m = UNPROBED_TLS.matcher(path.getFileName().toString());
        if (!m.matches()) {
            return false;
        }
        if (named.add(pid + " " + path.getFileName())) {
            unprobed.add(new Unprobed(pid, ProcFs.comm(pid).orElse("?"), STACKS.get(m.group(1)), path.getFileName().toString()));
        }
        return true;
    }

    /** A process that mapped a TLS library no probe decodes (a process may map one it never uses for TLS). */
    public record Unprobed(long pid, String process, String stack, String file) {
        public String describe() {
            return "pid " + pid + " (" + process + ") uses " + stack + " (" + file
                    + "), a TLS library recordtls does not probe, and none of its TLS was recorded: its HTTPS, if any, is not in the HAR";
        }
    }

    private final List<Unprobed> unprobed = Collections.synchronizedList(new ArrayList<>());

    /** The TLS library no probe decodes that this process mapped, if it mapped one. */
    public Optional<Unprobed> unprobedIn(long pid) {
        synchronized (unprobed) {
            return unprobed.stream().filter(u -> u.pid() == pid).findFirst();
        }
    }

    /** Processes that mapped an unprobed TLS library and had no connection decoded ({@code recorded}: pids that had one). */
    public List<String> unprobed(java.util.function.IntPredicate recorded) {
        synchronized (unprobed) {
            return unprobed.stream().filter(u -> !recorded.test((int) u.pid())).map(Unprobed::describe).toList();
        }
    }

    /** Looks at the system's TLS libraries once, so that a process that maps one is held only to plant its probes. */
    public void knowSystemLibraries() {
        for (TlsLibrary lib : TlsLibraryInspector.systemLibraries()) {
            synchronized (looked) {
                looked.put(lib.id(), Optional.of(lib));
            }
            probes.register(lib);
            noteUnlocatedBio(lib);
        }
    }

    /** Records a process tree's root, so that a dying recorder still lets its processes go on. */
    public void root(long pid) {
        held.root(pid);
    }

    /** Looks at everything a running process maps (for --pid targets). */
    public void scan(long pid) {
        for (ProcFs.Mapping m : ProcFs.executableMappings(pid)) {
            // a deleted file (netty-tcnative's extracted copy) is reachable only through map_files
            Path path = m.deleted() ? ProcFs.mappedFile(pid, m) : ProcFs.reachable(pid, m.path());
            if (isJvm(Path.of(m.path()))) {
                onJvm.onJvm(pid, false);
                continue;
            }
            if (unprobedTls(pid, Path.of(m.path()))) {
                continue;
            }
            Optional<TlsLibrary> lib = lookAt(pid, path);
            lib.ifPresent(l -> plant((int) pid, l, path, new TlsProbes.KernelFile(m.kernelDev(), m.inode())));
            probes.markInspected(m.kernelDev(), m.inode(), lib.isPresent());
        }
    }

    /**
     * A process in scope forked a child that the kernel holds where it first runs: plants in it
     * the probes its parent has (the child maps the same files), then lets it go on.
     */
    public void onForkHeld(CaptureEvent.ForkHeld e) {
        held.hold(e.pid());
        try {
            for (TlsProbes.PlantedLibrary p : probes.plantedIn(e.parentPid())) {
                Path path = pathIn(e.pid(), p);
                if (path != null) {
                    plant(e.pid(), p.library(), path, p.names().toArray(TlsProbes.KernelFile[]::new));
                }
            }
        } catch (RuntimeException ex) {
            problems.add("plant the probes of pid " + e.parentPid() + " in its child " + e.pid() + ": " + ex.getMessage());
        } finally {
            LibC.kill(e.pid(), LibC.SIGCONT);
            held.release(e.pid());
        }
    }

    /** Where the child reaches a file its parent's probes are planted in: its own mapping of it, else the parent's path. */
    private static Path pathIn(int pid, TlsProbes.PlantedLibrary p) {
        for (ProcFs.Mapping m : ProcFs.executableMappings(pid)) {
            if (p.names().contains(new TlsProbes.KernelFile(m.kernelDev(), m.inode()))) {
                return m.deleted() ? ProcFs.mappedFile(pid, m) : ProcFs.reachable(pid, m.path());
            }
        }
        Path parents = Path.of(p.path());
        return Files.exists(parents) ? parents : null; // null: gone, with the child most likely
    }

    /** A process in scope ended, or exec'd (its old image's probes are gone with it): closes their links. */
    public void onProcessGone(int pid) {
        probes.forget(pid);
    }

    private void plant(int pid, TlsLibrary lib, Path path, TlsProbes.KernelFile... names) {
        try {
            probes.attach(pid, lib, path.toString(), names);
        } catch (BpfException e) {
            if (ProcFs.alive(pid)) { // a process that ended meanwhile needs no probe
                problems.add(e.getMessage());
            }
        }
    }

    /** A process in scope loaded a file: look at it, attach if it is TLS, then let the process go on. */
    public void onFileLoaded(CaptureEvent.FileLoaded e) {
        if (e.stopped()) {
            held.hold(e.pid());
        }
        boolean watched = false; // reported for every process that maps it: never marked as looked at
        boolean tls = false;
        boolean lookedAt = false; // a process gone before its file was read says nothing of the file
        try {
            if (e.exec()) {
                probes.forget(e.pid()); // its old image is gone, and the breakpoints in it
            }
            if (TEST_DELAY_MS > 0) {
                Thread.sleep(TEST_DELAY_MS);
            }
            Path path = e.exec() ? Path.of("/proc/" + e.pid() + "/exe") : Path.of("/proc/" + e.pid() + "/fd/" + e.fd());
            Path target = linkTarget(path); // null: the process is gone
            Path resolved = target == null ? null : reachable(e.pid(), path, target);
            Path name = e.exec() ? null : target;
            if (name != null && isJvm(name)) {
                watched = true;
                onJvm.onJvm(e.pid(), true);
            } else if (name != null && unprobedTls(e.pid(), name)) {
                watched = true;
            } else if (resolved != null) {
                Optional<TlsLibrary> lib = lookAt(e.pid(), resolved);
                lookedAt = true;
                tls = lib.isPresent();
                lib.ifPresent(l -> plant(e.pid(), l, resolved, new TlsProbes.KernelFile(e.dev(), e.inode())));
            }
        } catch (RuntimeException ex) {
            problems.add("look at a file of pid " + e.pid() + ": " + ex.getMessage());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                if (!watched && lookedAt) {
                    probes.markInspected(e.dev(), e.inode(), tls);
                }
            } catch (RuntimeException ex) {
                // the file will be looked at again next time; the process must go on regardless
                problems.add("remember a file of pid " + e.pid() + " as looked at: " + ex.getMessage());
            } finally {
                if (e.stopped()) {
                    LibC.kill(e.pid(), LibC.SIGCONT);
                    held.release(e.pid());
                }
            }
        }
    }

    /** The name a /proc link points to (the file's path in the process's namespace), or null when it is gone. */
    private static Path linkTarget(Path procLink) {
        try {
            return Files.readSymbolicLink(procLink);
        } catch (IOException ex) {
            return null;
        }
    }

    /** The file's path in our namespace when it is the same file, else the /proc link itself. */
    private static Path reachable(long pid, Path procLink, Path target) {
        Path reachable = ProcFs.reachable(pid, target.toString());
        return Files.exists(reachable) ? reachable : procLink;
    }

    /** The TLS library the file is, if it is one; each file is inspected once. */
    private Optional<TlsLibrary> lookAt(long pid, Path path) {
        TlsLibrary.FileId id;
        try {
            id = TlsLibraryInspector.fileId(path);
        } catch (IOException e) {
            return Optional.empty();
        }
        synchronized (looked) {
            Optional<TlsLibrary> known = looked.get(id);
            if (known != null) {
                return known;
            }
            Optional<TlsLibrary> lib;
            try {
                lib = TlsLibraryInspector.inspect(path);
                if (lib.isEmpty()) {
                    lib = GoTlsInspector.inspect(path);
                }
            } catch (IOException e) {
                problems.add("look for a TLS library in " + path + ": " + e); // its TLS would go unrecorded: say so
                lib = Optional.empty();
            } catch (GoTlsInspector.Unsupported e) {
                problems.add(e.getMessage() + " (pid " + pid + ", " + ProcFs.comm(pid).orElse("?") + ")");
                lib = Optional.empty();
            }
            looked.put(id, lib);
            lib.ifPresent(this::noteUnlocatedBio);
            return lib;
        }
    }

    private void noteUnlocatedBio(TlsLibrary lib) {
        if (SslBioMethods.unlocated(lib)) {
            problems.add(lib + ": OpenSSL's SSL BIO (BIO_f_ssl) could not be located without symbols; programs that read and"
                    + " write through it (openssl s_server -WWW) are not recorded, those calling SSL_read/SSL_write are");
        }
    }

    /** A FIFO for a command's launch gate, which the watchdog opens if the recorder dies first. */
    public Path newGate() {
        return held.newGate();
    }

    @Override
    public void close() {
        held.close();
    }

    /** Libraries whose probes could not be attached, and why. */
    public List<String> problems() {
        return List.copyOf(problems);
    }
}
