package io.recordtls.recorder.jvm;

import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import io.recordtls.recorder.scope.ProcFs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;

/**
 * Gets the JVM probe into every JVM in scope. A JVM started with the probe in
 * JAVA_TOOL_OPTIONS or on its command line has it from its first instruction and says hello by
 * itself; any other JVM (one already running, one a test started) gets it by HotSpot's attach
 * mechanism as soon as the JVM can take it, as the JVM's own user and in its own mount
 * namespace (the jar is copied into a container's /tmp). A JVM that never says hello is named,
 * with the reason, in {@link #problems}.
 */
public final class JvmTargets implements AutoCloseable {
    /** How long a JVM that should load the probe by itself has, before we attach. */
    private static final long PREMAIN_WAIT_MS = 10_000;
    /** How long a starting JVM has to become attachable (it catches SIGQUIT once its VM is up). */
    private static final long READY_WAIT_MS = 30_000;
    private static final long HELLO_WAIT_MS = 10_000;

    private final Optional<Path> jar;
    private final String agentArgs;
    private final IntPredicate helloSeen;
    private final java.util.function.BiConsumer<Long, String> announce;
    private final Set<Long> handled = ConcurrentHashMap.newKeySet();
    private final Map<Long, String> problems = new ConcurrentHashMap<>();
    private final List<Path> copies = Collections.synchronizedList(new ArrayList<>());
    private final Map<Long, Thread> workers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * {@code helloSeen}: has the probe in this process said hello? {@code announce}: reports a
     * probe that said hello before the recording listened (a JVM started with it).
     */
    public JvmTargets(Optional<Path> jar, String agentArgs, IntPredicate helloSeen, java.util.function.BiConsumer<Long, String> announce) {
        this.jar = jar;
        this.agentArgs = agentArgs;
        this.helloSeen = helloSeen;
        this.announce = announce;
    }

    public Optional<Path> jar() {
        return jar;
    }

    /**
     * A process in scope maps libjvm: a JVM is {@code starting} (the kernel saw the mapping), or
     * runs already (found in its maps). Returns at once (the process may be held until this
     * returns); the probe is brought in on a thread of its own.
     */
    public void onJvm(long pid, boolean starting) {
        if (closed || pid == ProcessHandle.current().pid() || !handled.add(pid)) {
            return;
        }
        workers.put(pid, Thread.ofPlatform().daemon().name("recordtls-jvm-" + pid).start(() -> bringProbe(pid, starting)));
    }

    private void bringProbe(long pid, boolean starting) {
        try {
            if (jar.isEmpty()) {
                problem(pid, "the JVM probe jar (recordtls-jvm-probe) is not beside the recorder, so its JSSE traffic is not recorded");
                return;
            }
            // A JVM starting with the probe in its options says hello by itself. One that runs
            // already with it said hello before we listened; attaching again would only make a
            // JDK 21+ print its warning about a dynamically loaded agent.
            if (loadsProbeItself(pid)) {
                if (!starting) {
                    announce.accept(pid, "loaded by premain (-javaagent given at the JVM's start)");
                    return;
                }
                if (waitForHello(pid, PREMAIN_WAIT_MS)) {
                    return;
                }
            }
            String why = attach(pid);
            if (why != null) {
                problem(pid, why);
            } else if (!waitForHello(pid, HELLO_WAIT_MS)) {
                problem(pid, "the JVM probe was attached but did not start (see that JVM's stderr)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | LinkageError e) { // LinkageError: a runtime without jdk.attach
            problem(pid, "bring the JVM probe in: " + e);
        }
    }

    /** The probe on its command line or in JAVA_TOOL_OPTIONS: it will say hello by itself. */
    private static boolean loadsProbeItself(long pid) {
        return read(Path.of("/proc/" + pid + "/cmdline")).contains(JvmProbeJar.NAME_PART)
                || read(Path.of("/proc/" + pid + "/environ")).contains(JvmProbeJar.NAME_PART);
    }

    private boolean waitForHello(long pid, long ms) throws InterruptedException {
        long until = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < until && !closed) {
            if (helloSeen.test((int) pid)) {
                return true;
            }
            if (!ProcFs.alive(pid)) {
                return helloSeen.test((int) pid);
            }
            Thread.sleep(20);
        }
        return helloSeen.test((int) pid);
    }

    /** Attaches the probe; returns why it could not, or null. */
    private String attach(long pid) throws InterruptedException {
        String cmdline = read(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        if (cmdline.contains("-XX:+DisableAttachMechanism")) {
            return "the JVM was started with -XX:+DisableAttachMechanism, so the probe cannot be attached;"
                    + " start it with -javaagent:" + jar.get() + " instead";
        }
        if (!waitUntilCatchesSigquit(pid)) {
            if (!ProcFs.alive(pid)) {
                return "the JVM ended before the probe could be attached";
            }
            return cmdline.contains("-Xrs") ? "the JVM runs with -Xrs (no SIGQUIT handler), so the probe cannot be attached;"
                    + " start it with -javaagent:" + jar.get() + " instead"
                    : "the JVM did not become attachable within " + READY_WAIT_MS / 1000 + " s";
        }
        Path inTarget;
        try {
            inTarget = jarForTarget(pid);
        } catch (IOException e) {
            return "could not make the probe jar readable to the JVM: " + e.getMessage();
        }
        String last = null;
        // Once the JVM catches SIGQUIT its attach listener starts on request; the JDK's client
        // waits ~10 s for it per try. A second try covers a JVM still busy starting.
        for (int attempt = 0; attempt < 2 && !closed && ProcFs.alive(pid); attempt++) {
            try {
                VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
                try {
                    vm.loadAgent(inTarget.toString(), agentArgs);
                    return null;
                } finally {
                    vm.detach();
                }
            } catch (AttachNotSupportedException | IOException e) {
                last = e.getMessage();
            } catch (AgentLoadException e) {
                return "the JVM refused the probe: " + e.getMessage();
            } catch (com.sun.tools.attach.AgentInitializationException e) {
                return "the probe failed to start in the JVM (code " + e.returnValue() + ")";
            }
            Thread.sleep(100);
        }
        return ProcFs.alive(pid) ? "attach to the JVM failed: " + last : "the JVM ended before the probe could be attached";
    }

    /**
     * HotSpot answers an attach request on SIGQUIT; before its handler is installed the signal
     * would kill the JVM. Wait until /proc says the signal is caught.
     */
    private static boolean waitUntilCatchesSigquit(long pid) throws InterruptedException {
        long until = System.nanoTime() + READY_WAIT_MS * 1_000_000;
        while (System.nanoTime() < until) {
            String status = read(Path.of("/proc/" + pid + "/status"));
            if (status.isEmpty()) {
                return false; // gone
            }
            for (String line : status.split("\n")) {
                if (line.startsWith("SigCgt:")) {
                    long caught = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    if ((caught & (1L << (3 - 1))) != 0) { // SIGQUIT = 3
                        return true;
                    }
                }
            }
            Thread.sleep(20);
        }
        return false;
    }

    /**
     * The jar's path as the JVM sees it. Same mount namespace and a readable jar: the jar
     * itself. Otherwise a copy in the JVM's /tmp, created anew (never through a link or over
     * an existing file), owned by the JVM's user, removed when the recording ends.
     */
    private Path jarForTarget(long pid) throws IOException {
        Path ours = jar.get();
        boolean sameMounts = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"))
                .equals(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/mnt")));
        if (sameMounts && worldReadable(ours)) {
            return ours;
        }
        String name = "recordtls-jvm-probe-" + UUID.randomUUID() + ".jar";
        Path copy = Path.of("/proc/" + pid + "/root/tmp").resolve(name);
        try (InputStream in = Files.newInputStream(ours);
             var out = Files.newOutputStream(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            in.transferTo(out);
        }
        copies.add(copy);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("r--r--r--"));
        Object uid = Files.getAttribute(Path.of("/proc/" + pid), "unix:uid");
        Files.setAttribute(copy, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        return Path.of("/tmp", name);
    }

    private static boolean worldReadable(Path p) {
        try {
            for (Path q = p; q != null; q = q.getParent()) {
                var perms = Files.getPosixFilePermissions(q);
                if (!perms.contains(q.equals(p) ? java.nio.file.attribute.PosixFilePermission.OTHERS_READ
                        : java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void problem(long pid, String why) {
        String name = ProcFs.comm(pid).orElse("java");
        problems.put(pid, "JVM pid " + pid + " (" + name + "): " + why);
    }

    /** JVMs in scope whose JSSE traffic was not recorded, each with the reason. */
    public List<String> problems() {
        return problems.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(Map.Entry::getValue).toList();
    }

    /**
     * Waits until the probe is in this process (or could not be brought in): a process added
     * while it runs is recorded from the moment its addition returns. Returns at once for a
     * process that is not a JVM.
     */
    public void awaitProbe(long pid) {
        Thread t = workers.get(pid);
        if (t != null) {
            try {
                t.join(PREMAIN_WAIT_MS + READY_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits a little for attaches under way, then removes the jar copies. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Thread t : List.copyOf(workers.values())) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Path copy : List.copyOf(copies)) {
            try {
                Files.deleteIfExists(copy);
            } catch (IOException ignored) {
                // the container may be gone with its /tmp
            }
        }
    }

    private static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}
