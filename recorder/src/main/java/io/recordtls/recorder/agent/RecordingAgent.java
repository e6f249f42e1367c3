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
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * The privileged side of recording for test runs: one recorder for the whole run (loading and
 * detaching probes costs about a second), one segment per test. It serves one user through a
 * Unix domain socket that only that user can open, and ends when told to, when its parent
 * process is gone, or on SIGTERM.
 */
public final class RecordingAgent implements AutoCloseable {
    private final Recorder recorder;
    private final Path socket;
    private final int ownerUid;
    private final ServerSocketChannel server;
    private final Set<Long> added = ConcurrentHashMap.newKeySet();
    private final CountDownLatch done = new CountDownLatch(1);
    private final java.util.Map<String, Cgroups.ContainerParent> containerParents = new java.util.HashMap<>();

    private RecordingAgent(Recorder recorder, Path socket, int ownerUid, ServerSocketChannel server) {
        this.recorder = recorder;
        this.socket = socket;
        this.ownerUid = ownerUid;
        this.server = server;
    }

    /** Loads the probes and listens on {@code socket}, owned by {@code ownerUid}, mode 0600. */
    public static RecordingAgent start(Path socket, int ownerUid, RecorderOptions options) throws IOException {
        Recorder recorder = Recorder.start(options.withWholeRecording(false));
        try {
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            giveTo(socket, ownerUid);
            return new RecordingAgent(recorder, socket, ownerUid, server);
        } catch (IOException | RuntimeException e) {
            recorder.close();
            throw e;
        }
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
            try {
                server.close(); // unblocks accept()
            } catch (IOException ignored) {
                // closing anyway
            }
        });
        out.println(AgentWire.READY);
        out.flush();
        while (done.getCount() > 0) {
            try {
                SocketChannel client = server.accept();
                Thread.ofPlatform().daemon().name("recordtls-agent-client").start(() -> talk(client));
            } catch (IOException e) {
                break; // closed
            }
        }
    }

    private void talk(SocketChannel client) {
        try (client;
             BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
             Writer out = new OutputStreamWriter(Channels.newOutputStream(client), StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                AgentReply reply;
                try {
                    reply = handle(AgentWire.request(line));
                } catch (JsonProcessingException e) {
                    reply = AgentReply.failed("not a request: " + e.getOriginalMessage());
                } catch (Exception e) {
                    reply = AgentReply.failed(describe(e));
                    if (!(e instanceof IllegalArgumentException)) {
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

    private AgentReply handle(AgentRequest request) throws IOException {
        switch (request) {
            case AgentRequest.Begin begin -> {
                for (long pid : begin.pids()) {
                    add(pid);
                }
                recorder.beginSegment(begin.segment());
                return AgentReply.done();
            }
            case AgentRequest.Add add -> {
                add(add.pid());
                return AgentReply.done();
            }
            case AgentRequest.ContainerParent parent -> {
                return AgentReply.cgroupParent(containerParent(parent.driver() == null ? "cgroupfs" : parent.driver()).dockerName());
            }
            case AgentRequest.Container container -> {
                Path cgroup = Cgroups.ofContainer(container.id()).orElseThrow(() -> new IllegalArgumentException(
                        "no cgroup of a running container " + container.id() + " in " + Cgroups.requireV2Root()));
                recorder.addCgroup(cgroup);
                return AgentReply.container(cgroup.toString());
            }
            case AgentRequest.Snapshot snapshot -> {
                Path har = Path.of(snapshot.har());
                recorder.snapshotSegment(snapshot.segment(), har);
                giveTo(har, ownerUid);
                return AgentReply.done();
            }
            case AgentRequest.End end -> {
                Path har = Path.of(end.har());
                Recorder.SegmentSummary s = recorder.endSegment(end.segment(), har);
                giveTo(har, ownerUid);
                return AgentReply.ended(new AgentReply.SegmentSummary(s.entries(), s.incompleteEntries(), s.droppedEvents()));
            }
            case AgentRequest.Shutdown shutdown -> {
                done.countDown();
                return AgentReply.done();
            }
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

    /** Puts a process in scope once: a test run begins many segments for the same JVM. */
    private void add(long pid) {
        if (added.add(pid) || !recorder.inScope(pid)) {
            recorder.addProcess(pid);
        }
    }

    /** The agent runs as root for a user who must own what it writes. */
    private static void giveTo(Path file, int uid) throws IOException {
        if (uid >= 0 && ((Number) Files.getAttribute(file, "unix:uid")).intValue() != uid) {
            Files.setAttribute(file, "unix:uid", uid);
        }
    }

    public void shutdown() {
        done.countDown();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        shutdown();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // a stale socket file is replaced next time
        } finally {
            try {
                recorder.close();
            } finally {
                synchronized (this) {
                    containerParents.values().forEach(Cgroups::removeContainerParent);
                }
            }
        }
    }
}
