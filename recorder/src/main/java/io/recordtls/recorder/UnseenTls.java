package io.recordtls.recorder;

import io.recordtls.recorder.capture.CaptureEvent;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * TLS connections of processes in scope that no probe decoded: the kernel reports every socket a
 * process in scope writes a ClientHello or ServerHello to; a connection a probe decoded is matched
 * to its handshake by process and ports, and what is left is named, with why recordtls thinks it
 * could not decode it. Fed by the pipeline thread, read by whoever writes a HAR.
 */
final class UnseenTls {
    /** Handshakes kept waiting for a decoded connection, per process, at most: a bound on memory. */
    private static final int MAX_PENDING_PER_PROCESS = 10_000;
    /** Decoded connections remembered before their handshake was seen (rare): per process, at most. */
    private static final int MAX_EARLY_DECODED = 1_000;

    /** One socket a handshake went out on. */
    private record Socket(int localPort, InetSocketAddress remote, boolean client) {}

    private static final class Process {
        String name;
        final LinkedHashSet<Socket> pending = new LinkedHashSet<>();
        /** Ports of decoded connections whose handshake has not been seen (yet): local << 16 | remote. */
        final LinkedHashSet<Integer> earlyDecoded = new LinkedHashSet<>();
        /** Decoded connections without addresses (a memory BIO, an SSLEngine): they may be any pending one. */
        int addressless;
        long overflow;
        /** The files the process mapped when its first handshake went out: what the reason is made of. */
        List<String> mapped;

        Process(String name) {
            this.name = name;
        }
    }

    /**
     * What is reported: a process's connections that no probe decoded, as a client to one remote
     * endpoint, or as a server on one local port from one peer address ({@code localPort}).
     */
    record NotDecoded(int pid, String process, String remote, boolean client, int localPort, int connections, String reason) {
        String describe() {
            return "pid " + pid + " (" + process + ") " + (client ? "made " : "accepted ") + connections + " TLS connection"
                    + (connections == 1 ? "" : "s") + (client ? " to " + remote : " on port " + localPort + " from " + remote)
                    + " that no probe decoded, so they are not in the HAR: " + reason;
        }

        Map<String, Object> toHar(boolean withPid) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (withPid) {
                m.put("pid", pid);
            }
            m.put("process", process);
            m.put("role", client ? "client" : "server");
            m.put("remote", remote);
            if (!client) {
                m.put("localPort", localPort);
            }
            m.put("connections", connections);
            m.put("reason", reason);
            return m;
        }
    }

    private final Map<Integer, Process> processes = new TreeMap<>();
    /**
     * Port pairs (local << 16 | remote) of decoded connections, in any process: a handshake on a
     * socket whose other end was decoded (the test's own upstream server, the client of a recorded
     * server) is that same connection, already in the HAR, not a miss. Bounded, oldest out.
     */
    private final LinkedHashSet<Integer> decodedEnds = new LinkedHashSet<>();
    /** Remote ports of decoded connections known by their peer alone (an SSLEngine's): one server socket each. */
    private final Map<Integer, Integer> decodedPeerPorts = new HashMap<>();
    private static final int MAX_DECODED_ENDS = 65_536;
    /** Connections whose addresses are not known yet: their pid (an address may come with a later event). */
    private final Map<Long, Integer> withoutAddress = new HashMap<>();

    /** Why a process's connections were not decoded, from its pid and the files it mapped. */
    @FunctionalInterface
    interface Reason {
        String why(int pid, List<String> mapped);
    }

    /**
     * A handshake went out. {@code name} and {@code mapped} are asked once per process, while it
     * surely lives (this is called as the event is read); the reason is made when reported, when
     * what recordtls learned since (a JVM probe that could not be attached) is known.
     */
    synchronized void hello(CaptureEvent.TlsHello h, LongFunction<String> name, LongFunction<List<String>> mapped) {
        if (h.remote() == null || h.local() == null) {
            return;
        }
        Process p = processes.computeIfAbsent(h.pid(), pid -> new Process(name.apply(pid)));
        if (p.name == null) { // known first by a decoded connection
            p.name = name.apply(h.pid());
        }
        if (p.mapped == null) {
            p.mapped = mapped.apply(h.pid());
        }
        Socket s = new Socket(h.local().getPort(), h.remote(), h.clientHello());
        if (p.earlyDecoded.remove(ports(s.localPort(), h.remote().getPort()))) {
            return;
        }
        if (p.pending.size() >= MAX_PENDING_PER_PROCESS) {
            p.overflow++;
            return;
        }
        p.pending.add(s);
    }

    /** A probe decoded a connection; its addresses (null when unknown) may come now or with a later event. */
    synchronized void decoded(int pid, long connId, InetSocketAddress local, InetSocketAddress remote) {
        if (local == null || remote == null) {
            if (withoutAddress.putIfAbsent(connId, pid) == null) {
                processes.computeIfAbsent(pid, x -> new Process(null)).addressless++;
            }
            return;
        }
        Integer before = withoutAddress.remove(connId);
        Process p = processes.computeIfAbsent(pid, x -> new Process(null));
        if (before != null) {
            p.addressless--;
        }
        if (local.getPort() == 0) {
            decodedPeerPorts.merge(remote.getPort(), 1, Integer::sum);
            // the peer only (the JVM probe's SSLEngine connections): the oldest handshake to it is this one,
            // or, if none is waiting, it counts as a connection whose socket is not known
            // (by port alone if the address differs: a name the probe resolved another way, ::1 for 127.0.0.1)
            Socket same = p.pending.stream().filter(s -> s.remote().equals(remote)).findFirst()
                    .or(() -> p.pending.stream().filter(s -> s.remote().getPort() == remote.getPort()).findFirst()).orElse(null);
            if (same != null) {
                p.pending.remove(same);
            } else if (withoutAddress.putIfAbsent(connId, pid) == null) {
                p.addressless++;
            }
            return;
        }
        decodedEnds.add(ports(local.getPort(), remote.getPort()));
        if (decodedEnds.size() > MAX_DECODED_ENDS) {
            decodedEnds.remove(decodedEnds.iterator().next());
        }
        boolean matched = p.pending.removeIf(s -> s.localPort() == local.getPort() && s.remote().getPort() == remote.getPort());
        if (!matched) {
            p.earlyDecoded.add(ports(local.getPort(), remote.getPort()));
            if (p.earlyDecoded.size() > MAX_EARLY_DECODED) {
                p.earlyDecoded.remove(p.earlyDecoded.iterator().next());
            }
        }
    }

    /** A decoded connection ended: whether it had addresses no longer changes. */
    synchronized void ended(long connId) {
        withoutAddress.remove(connId);
    }

    private static int ports(int local, int remote) {
        return local << 16 | remote;
    }

    /** Has this process a TLS connection no probe decoded? */
    boolean named(int pid) {
        return report((x, y) -> "").stream().anyMatch(n -> n.pid() == pid);
    }

    /**
     * Grouped by process and remote endpoint, in pid order. The reasons are asked outside this
     * object's lock: they read other components' state, which may ask this one in turn.
     */
    List<NotDecoded> report(Reason reason) {
        Map<Integer, List<String>> mapped = new HashMap<>();
        List<NotDecoded> groups = grouped(mapped);
        Map<Integer, String> reasons = new HashMap<>();
        return groups.stream().map(g -> new NotDecoded(g.pid(), g.process(), g.remote(), g.client(), g.localPort(), g.connections(),
                reasons.computeIfAbsent(g.pid(), pid -> reason.why(pid, mapped.get(pid))))).toList();
    }

    /** The groups without reasons yet; {@code mapped} gets each named process's files. */
    private synchronized List<NotDecoded> grouped(Map<Integer, List<String>> mapped) {
        List<NotDecoded> out = new ArrayList<>();
        Map<Integer, Integer> peerPorts = new HashMap<>(decodedPeerPorts);
        processes.forEach((pid, p) -> {
            if (p.pending.isEmpty() && p.overflow == 0) {
                return;
            }
            // decoded connections without addresses may be any of the pending ones: the most recent
            // are left out, one for each, rather than name a connection that was decoded
            List<Socket> left = new ArrayList<>(p.pending);
            left.removeIf(s -> otherEndDecoded(s, peerPorts));
            int unknown = Math.min(left.size(), Math.max(0, p.addressless));
            left = left.subList(0, left.size() - unknown);
            // a client's connections by remote endpoint; a server's by its port and the peer's address
            Map<NotDecoded, Integer> groups = new LinkedHashMap<>();
            String name = Optional.ofNullable(p.name).orElse("pid " + pid);
            mapped.put(pid, p.mapped == null ? List.of() : p.mapped);
            for (Socket s : left) {
                NotDecoded group = s.client()
                        ? new NotDecoded(pid, name, address(s.remote()), true, 0, 0, null)
                        : new NotDecoded(pid, name, s.remote().getAddress().getHostAddress(), false, s.localPort(), 0, null);
                groups.merge(group, 1, Integer::sum);
            }
            groups.forEach((g, n) -> out.add(new NotDecoded(g.pid(), g.process(), g.remote(), g.client(), g.localPort(), n, g.reason())));
            if (p.overflow > 0) {
                out.add(new NotDecoded(pid, name, "(not tracked one by one past " + MAX_PENDING_PER_PROCESS + " connections)",
                        true, 0, (int) Math.min(Integer.MAX_VALUE, p.overflow), null)); // reasons: made by report
            }
        });
        return out;
    }

    /** Whether the socket's peer decoded this connection: by both ports, or, for a server socket, by a peer-only decoded client to its port. */
    private boolean otherEndDecoded(Socket s, Map<Integer, Integer> peerPorts) {
        if (decodedEnds.contains(ports(s.remote().getPort(), s.localPort()))) {
            return true;
        }
        if (!s.client() && peerPorts.getOrDefault(s.localPort(), 0) > 0) {
            peerPorts.merge(s.localPort(), -1, Integer::sum);
            return true;
        }
        return false;
    }

    /** Connections no probe decoded, in all. */
    int connections() {
        return report((x, y) -> "").stream().mapToInt(NotDecoded::connections).sum();
    }

    private static String address(InetSocketAddress a) {
        String ip = a.getAddress().getHostAddress();
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + a.getPort();
    }
}
