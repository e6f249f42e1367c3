package io.recordtls.recorder.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.recordtls.agent.AgentReply;
import io.recordtls.agent.AgentRequest;
import io.recordtls.agent.AgentWire;
import io.recordtls.recorder.Recorder;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.scope.Cgroups;
import io.recordtls.recorder.scope.ProcFs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * The privileged side of recording for test runs: one recorder for the whole run (loading and
 * detaching probes costs about a second), one segment per test. It runs as root and acts only
 * for one user, on that user's things: a connection is served only when the kernel says it
 * comes from that user (SO_PEERCRED); it records only processes that run entirely as the caller
 * (containers only for a caller Docker serves anyway); it writes HARs with the caller's
 * file-system credentials and umask. Its socket is its own, in a directory it makes (mkdtemp,
 * 0711). It ends when told to, when its parent process is gone, or on SIGTERM.
 */
public final class RecordingAgent implements AutoCloseable {
    private final Recorder recorder;
    private final Path dir;
    private final Path socket;
    private final int ownerUid;
    private final PeerSocket server;
    private final Set<Long> added = ConcurrentHashMap.newKeySet();
    private final CountDownLatch done = new CountDownLatch(1);
    private final java.util.Map<String, Cgroups.ContainerParent> containerParents = new java.util.HashMap<>();
    private final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();

    private RecordingAgent(Recorder recorder, Path dir, int ownerUid, PeerSocket server) {
        this.recorder = recorder;
        this.dir = dir;
        this.socket = dir.resolve(SOCKET_NAME);
        this.ownerUid = ownerUid;
        this.server = server;
    }

    private static final String SOCKET_NAME = "agent.sock";
    private static final long REFUSAL_WAIT_MS = 5_000;

    /**
     * Loads the probes and listens on a socket in a new directory of its own under {@code base}:
     * 0711, so that the user can reach the socket by its name but nobody can list, rename or
     * plant anything there. The socket itself is 0666: who may talk is decided by the peer's uid.
     */
    public static RecordingAgent start(Path base, int ownerUid, RecorderOptions options) throws IOException {
        Path dir = Files.createTempDirectory(base, "recordtls-agent-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            PeerSocket server = PeerSocket.listen(dir.resolve(SOCKET_NAME));
            try {
                Files.setPosixFilePermissions(dir.resolve(SOCKET_NAME), PosixFilePermissions.fromString("rw-rw-rw-"));
                AgentWire.WarmUp.inBackground(); // the first request comes as soon as the probes are in
                Recorder recorder = Recorder.start(options.withWholeRecording(false));
                return new RecordingAgent(recorder, dir, ownerUid, server);
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            removeOwnFiles(dir);
            throw e;
        }
    }

    /** Where clients connect. */
    public Path socket() {
        return socket;
    }

    /** Serves until shutdown, until {@code parentPid} exits, or until closed; then releases everything. */
    public void serve(long parentPid, PrintStream out) {
        Thread.ofPlatform().daemon().name("recordtls-agent-parent-watch").start(() -> {
            while (done.getCount() > 0) {
                if (parentPid > 0 && !ProcFs.alive(parentPid)) {
                    done.countDown();
                    break;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
            server.close(); // unblocks accept()
        });
        out.println(AgentWire.ready(socket));
        out.flush();
        while (done.getCount() > 0) {
            try {
                PeerSocket.Connection client = server.accept();
                Thread.ofPlatform().daemon().name("recordtls-agent-client").start(() -> talk(client));
            } catch (IOException e) {
                break; // closed
            }
        }
    }

    private void talk(PeerSocket.Connection client) {
        Caller caller = Caller.of(client.peer());
        try (client;
             BufferedReader in = new BufferedReader(new InputStreamReader(client.in(), StandardCharsets.UTF_8));
             Writer out = new OutputStreamWriter(client.out(), StandardCharsets.UTF_8)) {
            if (caller.uid() != ownerUid) {
                awaitFirstRequest(client);
                out.write(AgentWire.line(AgentReply.failed("this recorder serves uid " + ownerUid + " only; uid " + caller.uid()
                        + " (pid " + caller.pid() + ") may start its own")) + "\n");
                out.flush();
                return;
            }
            String line;
            while ((line = in.readLine()) != null) {
                AgentReply reply;
                try {
                    reply = handle(AgentWire.request(line), caller);
                } catch (JsonProcessingException e) {
                    reply = AgentReply.failed("not a request: " + e.getOriginalMessage());
                } catch (Exception e) {
                    reply = AgentReply.failed(describe(e));
                    if (!(e instanceof IllegalArgumentException || e instanceof IOException)) {
                        e.printStackTrace(); // a bug, not a bad request: the whole story on the agent's stderr
                    }
                }
                out.write(AgentWire.line(reply) + "\n");
                out.flush();
                if (done.getCount() == 0) {
                    break;
                }
            }
        } catch (IOException e) {
            // the client went away: its segments end with the run
        }
    }

    /**
     * Lets a client the agent will refuse send its first request before the refusal: closing at
     * once would fail the client's write (EPIPE) and hide the refusal it is meant to read. Bounded
     * for a client that sends nothing or no end of line: 64 KiB, {@value #REFUSAL_WAIT_MS} ms.
     */
    private static void awaitFirstRequest(PeerSocket.Connection client) {
        Thread timer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(REFUSAL_WAIT_MS);
                client.hangUp();
            } catch (InterruptedException e) {
                // the request came in time
            }
        });
        try {
            InputStream in = client.in();
            byte[] buf = new byte[4096];
            int total = 0;
            int n;
            while (total < 64 * 1024 && (n = in.read(buf, 0, buf.length)) > 0) {
                total += n;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        return;
                    }
                }
            }
        } catch (IOException e) {
            // gone, or hung up by the timer: the refusal is written all the same (and may fail)
        } finally {
            timer.interrupt();
        }
    }

    private AgentReply handle(AgentRequest request, Caller caller) throws IOException {
        switch (request) {
            case AgentRequest.Begin begin -> {
                java.util.List<HeldProcess> held = new java.util.ArrayList<>();
                try {
                    for (long pid : begin.pids()) {
                        held.add(authorize(pid, caller));
                    }
                    for (HeldProcess process : held) {
                        add(process, caller);
                    }
                } finally {
                    held.forEach(HeldProcess::close);
                }
                recorder.beginSegment(begin.segment());
                return AgentReply.done();
            }
            case AgentRequest.Add add -> {
                try (HeldProcess process = authorize(add.pid(), caller)) {
                    add(process, caller);
                }
                return AgentReply.done();
            }
            case AgentRequest.ContainerParent parent -> {
                authorizeContainers(caller);
                return AgentReply.cgroupParent(containerParent(parent.driver() == null ? "cgroupfs" : parent.driver()).dockerName());
            }
            case AgentRequest.Container container -> {
                authorizeContainers(caller);
                Path cgroup = Cgroups.ofContainer(container.id()).orElseThrow(() -> new IllegalArgumentException(
                        "no cgroup of a running container " + container.id() + " in " + Cgroups.requireV2Root()));
                recorder.addCgroup(cgroup);
                return AgentReply.container(cgroup.toString());
            }
            case AgentRequest.Snapshot snapshot -> {
                Path own = ownFile();
                try {
                    recorder.snapshotSegment(snapshot.segment(), own);
                    caller.deliver(own, Path.of(snapshot.har()));
                } finally {
                    Files.deleteIfExists(own);
                }
                return AgentReply.done();
            }
            case AgentRequest.End end -> {
                Path own = ownFile();
                try {
                    Recorder.SegmentSummary s = recorder.endSegment(end.segment(), own);
                    caller.deliver(own, Path.of(end.har()));
                    return AgentReply.ended(new AgentReply.SegmentSummary(s.entries(), s.incompleteEntries(), s.droppedEvents()));
                } finally {
                    Files.deleteIfExists(own);
                }
            }
            case AgentRequest.Shutdown shutdown -> {
                done.countDown();
                return AgentReply.done();
            }
        }
    }

    /** A HAR is written in the agent's own directory first, then delivered as the caller. */
    private Path ownFile() {
        return dir.resolve("segment-" + written.incrementAndGet() + ".har");
    }

    /** Only for tests: a pause between the check of a process and its scoping, for a test to reuse its pid in. */
    private static final long TEST_ADD_DELAY_MS = Long.getLong("recordtls.test.addDelayMs", 0);

    /**
     * The process held (by a pidfd) and checked: the caller may record it. Held first, so that what
     * /proc said was said of the process held (it still ran after the read).
     */
    private static HeldProcess authorize(long pid, Caller caller) {
        HeldProcess process = HeldProcess.of(pid);
        try {
            String why = caller.whyNotRecord(pid);
            if (why != null) {
                throw new IllegalArgumentException(why);
            }
            process.requireAlive();
            return process;
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
    }

    private static void authorizeContainers(Caller caller) {
        String why = caller.whyNotRecordContainers();
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
    }

    /** The message and its causes': "write the HAR: No space left on device". */
    private static String describe(Throwable e) {
        StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            b.append(": ").append(c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName());
        }
        return b.toString();
    }

    /** One parent cgroup per cgroup driver for the agent's life: containers of every test go under it. */
    private synchronized Cgroups.ContainerParent containerParent(String driver) {
        return containerParents.computeIfAbsent(driver, d -> {
            Cgroups.ContainerParent parent = Cgroups.makeContainerParent(d, ProcessHandle.current().pid());
            recorder.addCgroup(parent.directory());
            return parent;
        });
    }

    /**
     * Puts a process in scope once (a test run begins many segments for the same JVM), with those
     * of its descendants the caller may record: a set-uid child (the sudo that started this
     * agent, say) stays out.
     */
    private void add(HeldProcess process, Caller caller) {
        long pid = process.pid();
        if (TEST_ADD_DELAY_MS > 0) {
            try {
                Thread.sleep(TEST_ADD_DELAY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        process.requireAlive();
        if (added.add(pid) || !recorder.inScope(pid)) {
            recorder.addProcess(pid, caller::mayRecord);
        }
        if (!process.alive()) {
            // It ended in between: the kernel takes an ended process out of scope, but if it ended
            // before it was put there, the pid in scope may be another's. Out with it.
            recorder.removeProcess(pid);
            added.remove(pid);
            throw new IllegalArgumentException(process.endedMessage());
        }
    }

    public void shutdown() {
        done.countDown();
        server.close();
    }

    /** Removes only what the agent made: the files it wrote in its own directory, its socket, the directory. */
    private static void removeOwnFiles(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a root-owned directory nobody else can write in, in the temp directory
        }
    }

    @Override
    public void close() {
        shutdown();
        try {
            recorder.close();
        } finally {
            synchronized (this) {
                containerParents.values().forEach(Cgroups::removeContainerParent);
            }
            removeOwnFiles(dir);
        }
    }
}
