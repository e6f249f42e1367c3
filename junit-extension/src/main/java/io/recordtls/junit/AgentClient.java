package io.recordtls.junit;

import io.recordtls.agent.AgentReply;
import io.recordtls.agent.AgentRequest;
import io.recordtls.agent.AgentWire;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** This JVM's end of the agent's socket. One request at a time. */
final class AgentClient implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;
    private final Writer out;
    private final Process agent;
    private final Path dir;
    private final RecorderStartCache.StartOptions startCache;

    private AgentClient(SocketChannel channel, Process agent, Path dir, RecorderStartCache.StartOptions startCache) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8);
        this.agent = agent;
        this.dir = dir;
        this.startCache = startCache;
    }

    static AgentClient connect(Path socket, Process agent, Path dir, RecorderStartCache.StartOptions startCache) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return new AgentClient(ch, agent, dir, startCache);
    }

    synchronized AgentReply call(AgentRequest request) throws IOException {
        if (!agent.isAlive()) {
            throw new IOException("the privileged recorder has exited (status " + agent.exitValue() + ")");
        }
        out.write(AgentWire.line(request) + "\n");
        out.flush();
        String line = in.readLine();
        if (line == null) {
            throw new IOException("the privileged recorder closed the connection");
        }
        AgentReply reply = AgentWire.reply(line);
        if (!reply.ok()) {
            throw new IOException("the recorder says: " + reply.error());
        }
        return reply;
    }

    void begin(String segment, List<Long> pids) throws IOException {
        call(new AgentRequest.Begin(segment, pids));
    }

    void add(long pid) throws IOException {
        call(new AgentRequest.Add(pid));
    }

    /** Writes the segment so far to {@code har}, which must be in {@link #scratch()}. */
    void snapshot(String segment, Path har) throws IOException {
        call(new AgentRequest.Snapshot(segment, har.toAbsolutePath().toString()));
    }

    /**
     * Ends the segment; its HAR goes to {@code har}. The agent writes it into the scratch
     * directory (the one place an agent in a container sees too), then it is copied here.
     */
    AgentReply.SegmentSummary end(String segment, Path har) throws IOException {
        Path written = dir.resolve("segment-" + java.util.UUID.randomUUID() + ".har");
        AgentReply reply = call(new AgentRequest.End(segment, written.toString()));
        // copied, not moved: the copy is this user's own file, group included
        Files.copy(written, har, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.delete(written);
        return reply.segment();
    }

    /** A parent cgroup under which Docker starts containers to record from their first instruction. */
    String containerParent(String cgroupDriver) throws IOException {
        return call(new AgentRequest.ContainerParent(cgroupDriver)).cgroupParent();
    }

    /** Records a running container from now on: every process in its cgroup. */
    void addContainer(String containerId) throws IOException {
        call(new AgentRequest.Container(containerId));
    }

    /** Where the agent may write files that this user then owns. */
    Path scratch() {
        return dir;
    }

    @Override
    public void close() {
        try {
            call(new AgentRequest.Shutdown());
        } catch (IOException ignored) {
            // stopping anyway
        }
        try {
            channel.close();
            // a first run's recorder writes its AOT cache as it exits (a few seconds, once)
            boolean exited = agent.waitFor(30, TimeUnit.SECONDS);
            if (!exited) {
                agent.destroy();
            }
            startCache.finish(exited && agent.exitValue() == 0);
        } catch (IOException ignored) {
            // stopping anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // temp files
        }
    }
}
