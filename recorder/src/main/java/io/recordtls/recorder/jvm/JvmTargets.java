package io.recordtls.recorder.jvm;

import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import io.recordtls.recorder.scope.ProcFs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
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
 * mechanism as soon as the JVM can take it (the recorder is root, which HotSpot accepts from any
 * JVM's attach listener), in the JVM's own mount namespace: the jar is copied into a container's
 * /tmp, owned by the JVM's user. A JVM that never says hello is named,
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
    private final Map<Long, String> reasons = new ConcurrentHashMap<>();
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

    /**
     * The probe as an agent on its command line or in JAVA_TOOL_OPTIONS: it says hello by
     * itself. (The jar on a class path is no agent: the recorder depends on it.)
     */
    private static boolean loadsProbeItself(long pid) {
        return AGENT_OPTION.matcher(read(Path.of("/proc/" + pid + "/cmdline"))).find()
                || AGENT_OPTION.matcher(read(Path.of("/proc/" + pid + "/environ"))).find();
    }

    private static final java.util.regex.Pattern AGENT_OPTION =
            java.util.regex.Pattern.compile("-javaagent:[^\\s\\x00=]*" + JvmProbeJar.NAME_PART);

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
        // what the JVM was started with: its command line, and the variables the JVM reads options from
        String cmdline = read(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ') + " "
                + javaOptionVariables(read(Path.of("/proc/" + pid + "/environ")));
        if (ProcFs.executableMappings(pid).stream().anyMatch(m -> m.path().contains("libj9vm"))) {
            // OpenJ9 answers SIGQUIT with a javacore file, and its JSSE is not HotSpot's layout
            return "an OpenJ9 JVM: the probe is attached to HotSpot JVMs only; start it with -javaagent:" + jar.get();
        }
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
     * itself. Otherwise a copy in the JVM's /tmp, named by its content, created anew with its
     * mode (never through a link, never chmod'ed by path) and left there: the JVM, and JVMs it
     * starts later with the probe in their JAVA_TOOL_OPTIONS, load it after this recording ends.
     * A /tmp that is a link is refused: it would resolve against our root, not the container's.
     */
    private Path jarForTarget(long pid) throws IOException {
        Path ours = jar.get();
        boolean sameMounts = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"))
                .equals(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/mnt")));
        if (sameMounts && worldReadable(ours)) {
            return ours;
        }
        Path tmp = Path.of("/proc/" + pid + "/root/tmp");
        if (!Files.isDirectory(tmp, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("the JVM's /tmp is not a directory of its own (a link, or missing)");
        }
        byte[] bytes = Files.readAllBytes(ours);
        byte[] digest = sha(bytes);
        String name = "recordtls-jvm-probe-" + java.util.HexFormat.of().formatHex(digest, 0, 8) + ".jar";
        Path copy = tmp.resolve(name);
        if (Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS) && java.util.Arrays.equals(sha(Files.readAllBytes(copy)), digest)) {
            return Path.of("/tmp", name); // one made before, unchanged
        }
        if (Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
            name = "recordtls-jvm-probe-" + UUID.randomUUID() + ".jar"; // someone else's file there: not ours to use
            copy = tmp.resolve(name);
        }
        try (var out = Files.newByteChannel(copy, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r--r--r--")))) {
            out.write(java.nio.ByteBuffer.wrap(bytes));
        }
        Object uid = Files.getAttribute(Path.of("/proc/" + pid), "unix:uid");
        Files.setAttribute(copy, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        return Path.of("/tmp", name);
    }

    private static byte[] sha(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
        reasons.put(pid, why);
    }

    /** Why this JVM's JSSE traffic is not recorded, if it is not (the probe could not be brought in). */
    public Optional<String> problem(long pid) {
        return Optional.ofNullable(reasons.get(pid));
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

    /** Waits a little for attaches under way. Idempotent. */
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
    }

    /** JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS and _JAVA_OPTIONS from a /proc environ. */
    private static String javaOptionVariables(String environ) {
        StringBuilder b = new StringBuilder();
        for (String kv : environ.split("\0")) {
            if (kv.startsWith("JAVA_TOOL_OPTIONS=") || kv.startsWith("JDK_JAVA_OPTIONS=") || kv.startsWith("_JAVA_OPTIONS=")) {
                b.append(kv.substring(kv.indexOf('=') + 1)).append(' ');
            }
        }
        return b.toString();
    }

    private static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}
