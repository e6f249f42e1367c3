package io.recordtls.junit;

import io.recordtls.har.FileTrees;
import io.recordtls.replayer.server.ReplayServer;
import io.recordtls.replayer.stubs.StubSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The replay servers a class's tests hand on to each other. A test's server, given back, starts
 * over (no stubs, no scenarios, an empty journal) and serves the same origin for the class's next
 * test: a new WireMock for each test cost a new CA, a cold Jetty and its threads, about 60 ms of
 * every test and as much again in the first requests to it. Closed with the class, so the ports
 * (a loopback origin's recorded one) are not held past it.
 */
final class ReplayServerPool implements AutoCloseable {
    private final Map<Origin, Deque<ReplayServer>> idle = new HashMap<>();
    /** The servers' certificates: they outlive the session that started each server. */
    private final Path certificates;
    private boolean closed;

    ReplayServerPool() throws IOException {
        this.certificates = Files.createTempDirectory("recordtls-replay-pool");
    }

    /** A directory of its own for a new server's CA. */
    Path certificateDir() throws IOException {
        return Files.createTempDirectory(certificates, "ca");
    }

    /** An idle server for this origin, or null. */
    synchronized ReplayServer take(Origin origin) {
        Deque<ReplayServer> servers = idle.get(origin);
        return servers == null ? null : servers.poll();
    }

    /** Back for another test: emptied now, closed when the pool is (or now, when it is closed already or cannot be emptied). */
    void give(Origin origin, ReplayServer server) {
        try {
            server.replaceStubs(new StubSet(Map.of(), Map.of(), List.of(), List.of()));
        } catch (IOException | RuntimeException e) {
            server.close(); // the next test starts a server of its own
            return;
        }
        synchronized (this) {
            if (!closed) {
                idle.computeIfAbsent(origin, o -> new ArrayDeque<>()).add(server);
                return;
            }
        }
        server.close();
    }

    /** Idempotent. */
    @Override
    public void close() {
        List<ReplayServer> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(all::addAll);
            idle.clear();
        }
        all.forEach(ReplayServer::close);
        FileTrees.deleteQuietly(certificates);
    }
}
