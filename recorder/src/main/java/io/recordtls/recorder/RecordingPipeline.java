package io.recordtls.recorder;

import de.sstoehr.harreader.model.HarEntry;
import io.recordtls.recorder.capture.CaptureEvent;
import io.recordtls.recorder.capture.TlsProbes;
import io.recordtls.recorder.har.HarEntryFactory;
import io.recordtls.recorder.har.HarFileWriter;
import io.recordtls.recorder.http.ConnectionInfo;
import io.recordtls.recorder.http.Exchange;
import io.recordtls.recorder.http.HttpConnection;
import io.recordtls.recorder.stream.DirectionStream;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Everything after the ring buffer, on its own thread so that parsing never holds up the
 * reader: connections, stream reassembly, HTTP, HAR entries.
 */
final class RecordingPipeline {
    private static final boolean DEBUG = System.getenv("RECORDTLS_DEBUG_EVENTS") != null;

    /** The exchanges whose request started inside a time window (one test), in their own HAR. */
    static final class Segment {
        final String id;
        final long tsStart;
        long tsEnd = -1;
        final HarFileWriter writer = new HarFileWriter();
        int entries, incomplete;
        /** The TLS stacks its entries went through, by stable name: what its HAR lists. */
        final java.util.Set<String> tlsLibraries = new java.util.TreeSet<>();

        Segment(String id, long tsStart) {
            this.id = id;
            this.tsStart = tsStart;
        }

        boolean covers(long ts) {
            return ts >= tsStart && (tsEnd < 0 || ts <= tsEnd);
        }
    }


    /** Moves events from the ring-buffer thread to the pipeline's, in batches, at low priority. */
    private final EventHandOff handOff = new EventHandOff(this::handle, this::endAll);

    private final Map<String, Segment> segments = new java.util.LinkedHashMap<>();

    private final TlsProbes probes;
    private final long maxCapture;
    private final long maxBody;
    private final HarEntryFactory factory;
    private final HarFileWriter writer;
    private final Consumer<Exchange> exchangeObserver;
    private final Map<Long, Conn> conns = new HashMap<>();
    private final Map<Integer, String> processNames = new HashMap<>();
    /** Container ids by pid: read from /proc when a process is first seen, which a one-shot process may not outlive. */
    private final Map<Integer, java.util.Optional<String>> containers = new java.util.concurrent.ConcurrentHashMap<>();
    /** Pids that had a TLS connection; read from other threads (what was not recorded). */
    private final Set<Integer> processesSeen = new java.util.concurrent.ConcurrentSkipListSet<>();
    /** The TLS stacks connections went through, by stable name (not every library probed: libssl is probed for a wget too). */
    private final Set<String> librariesSeen = new java.util.concurrent.ConcurrentSkipListSet<>();
    /** Pids of every process in scope the recording saw run (started, forked, exec'd or with a connection). */
    private final Set<Integer> processesRan = new java.util.HashSet<>();
    /** TLS connections no probe decoded: handshakes come in from the ring-buffer thread, decoded connections from here. */
    final UnseenTls unseen = new UnseenTls();
    private final List<Map<String, Object>> skipped = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    /** Written by the pipeline thread, read when a segment ends (on the agent's thread). */
    private final Map<Integer, Map<String, Object>> jvmProbes = new java.util.concurrent.ConcurrentSkipListMap<>();
    private int connections, nonHttp, entries, incomplete, truncated;
    private long lostBytes;

    RecordingPipeline(TlsProbes probes, long maxCapture, long maxBody, HarEntryFactory factory, HarFileWriter writer,
                      Consumer<Exchange> exchangeObserver) {
        this.probes = probes;
        this.maxCapture = maxCapture;
        this.maxBody = maxBody;
        this.factory = factory;
        this.writer = writer;
        this.exchangeObserver = exchangeObserver;
    }

    void start() {
        handOff.start();
    }

    /** From the ring-buffer thread: handed on at the end of the round of reading ({@link #flush}). */
    void submit(CaptureEvent e) {
        handOff.submit(e);
    }

    /** Hands on what was submitted; blocks while parsing is far behind (the ring then absorbs). */
    void flush() {
        handOff.flush();
    }

    /**
     * From the ring-buffer thread, as a process in scope execs (it is alive then, often held):
     * which container it runs in, before a short-lived one is gone by the time its connection
     * is processed.
     */
    void noteContainer(int pid) {
        containers.computeIfAbsent(pid, io.recordtls.recorder.scope.Cgroups::containerId);
    }

    void nameProcess(int pid, String name) {
        submit(new CaptureEvent.Fork(pid, 0, 0, name));
    }

    /** Runs {@code action} on the pipeline thread after every event submitted before, and waits. */
    void runInOrder(Runnable action) {
        handOff.runInOrder(action);
    }

    Segment openSegment(String id, long tsStart) {
        Segment[] out = new Segment[1];
        runInOrder(() -> {
            if (segments.containsKey(id)) {
                throw new IllegalArgumentException("segment " + id + " is already open");
            }
            out[0] = new Segment(id, tsStart);
            segments.put(id, out[0]);
        });
        return out[0];
    }

    /** Closes the window at {@code tsEnd}; the segment stops receiving exchanges. */
    Segment closeSegment(String id, long tsEnd) {
        Segment[] out = new Segment[1];
        runInOrder(() -> {
            conns.values().forEach(Conn::releaseWaiting); // what a test's window saw is in its HAR, addresses or not
            Segment s = segments.remove(id);
            if (s == null) {
                throw new IllegalArgumentException("no open segment " + id);
            }
            s.tsEnd = tsEnd;
            out[0] = s;
        });
        return out[0];
    }

    Segment segment(String id) {
        Segment[] out = new Segment[1];
        runInOrder(() -> out[0] = segments.get(id));
        return out[0];
    }

    /** Ends every connection still open and waits until everything is written to the spool. */
    void finish() {
        handOff.finish();
    }

    /** Events that could not be processed (the first is reported on stderr with its cause). */
    long failedEvents() {
        return handOff.failedEvents();
    }

    /** On the pipeline thread, at the end: what is still open was cut by the end of the recording. */
    private void endAll() {
        for (Conn c : List.copyOf(conns.values())) {
            end(c, "recording stopped", -1, -1);
        }
    }

    private void handle(CaptureEvent e) {
        if (DEBUG) {
            System.err.println(System.nanoTime() / 1_000_000 + " pipeline: " + (e instanceof CaptureEvent.Data d
                    ? "Data conn=" + d.connId() + " " + d.direction() + " " + d.payload().length + "B ts=" + d.tsExit() / 1_000_000 : e));
        }
        switch (e) {
            case CaptureEvent.Data d -> {
                Conn c = conn(d.connId(), d.pid(), d.libraryId());
                DirectionStream s = d.direction() == CaptureEvent.Direction.OUT ? c.out : c.in;
                s.accept(d.streamOffset(), d.callLength(), d.chunkOffset(), d.payload(), d.tsEnter(), d.tsExit());
            }
            case CaptureEvent.Conn ce -> {
                Conn c = conn(ce.connId(), ce.pid(), ce.libraryId());
                if (ce.remote() != null) {
                    c.local = ce.local();
                    c.remote = ce.remote();
                    unseen.decoded(ce.pid(), ce.connId(), ce.local(), ce.remote());
                    c.releaseWaiting();
                }
            }
            case CaptureEvent.TlsHello h -> processesRan.add(h.pid()); // matched on the ring-buffer thread (Recorder)
            case CaptureEvent.Close cl -> {
                Conn c = conns.get(cl.connId());
                if (c != null) {
                    end(c, "connection closed", cl.inBytes(), cl.outBytes());
                }
            }
            case CaptureEvent.Exit x -> {
                for (Iterator<Conn> it = List.copyOf(conns.values()).iterator(); it.hasNext(); ) {
                    Conn c = it.next();
                    if (c.pid == x.pid()) {
                        end(c, "process " + x.pid() + " exited", -1, -1);
                    }
                }
            }
            case CaptureEvent.JvmHello h -> {
                Map<String, Object> jvm = new LinkedHashMap<>();
                jvm.put("pid", h.pid());
                jvm.put("process", processNames.computeIfAbsent(h.pid(), p -> io.recordtls.recorder.scope.ProcFs.comm(p).orElse("pid " + p)));
                jvm.put("probe", h.text());
                jvmProbes.put(h.pid(), jvm);
                if (h.text().startsWith("not recording: ")) { // an older JVM the probe only says hello in
                    notes.add("JVM pid " + h.pid() + " (" + jvm.get("process") + "): " + h.text());
                }
            }
            case CaptureEvent.Fork f -> {
                processesRan.add(f.pid());
                processNames.put(f.pid(), f.parentPid() != 0 ? processNames.getOrDefault(f.parentPid(), f.comm()) : f.comm());
            }
            case CaptureEvent.FileLoaded fl when fl.leftOut() -> {
                String program = fl.path().isEmpty() ? fl.comm() : fl.path();
                notes.add("pid " + fl.pid() + " (" + processNames.getOrDefault(fl.pid(), fl.comm()) + ") ran " + program
                        + ", a set-uid program: left out of the recording from there on, with its children (its memory is not"
                        + " the caller's)");
            }
            case CaptureEvent.ForkHeld h -> {
                // the probes' business (LibraryTracker), on the ring-buffer thread; its Fork came before
            }
            case CaptureEvent.FileLoaded fl -> {
                if (fl.exec()) {
                    processesRan.add(fl.pid());
                    String path = fl.path();
                    processNames.put(fl.pid(), path.isEmpty() ? fl.comm() : path.substring(path.lastIndexOf('/') + 1));
                }
            }
        }
    }

    private Conn conn(long connId, int pid, int libraryId) {
        Conn c = conns.get(connId);
        if (c == null) {
            c = new Conn(connId, pid, libraryId);
            conns.put(connId, c);
            connections++;
            processesSeen.add(pid);
            librariesSeen.add(c.library);
            processesRan.add(pid);
            unseen.decoded(pid, connId, null, null); // its addresses, if any, come with a Conn event
        }
        return c;
    }

    private void end(Conn c, String why, long inBytes, long outBytes) {
        if (inBytes >= 0) {
            c.in.end(inBytes, 0);
            c.out.end(outBytes, 0);
        }
        c.ended = true;
        c.http.end(why);
        c.releaseWaiting();
        conns.remove(c.connId);
        if (c.skips) {
            probes.forgetSkips(c.connId);
        }
        unseen.ended(c.connId);
        lostBytes += c.in.lostBytes() + c.out.lostBytes();
        if (c.http.protocol() == HttpConnection.Protocol.OTHER) {
            nonHttp++;
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("connection", Long.toString(c.connId));
            s.put("pid", c.pid);
            s.put("process", c.processName);
            if (c.remote != null) {
                s.put("remote", address(c.remote));
            }
            s.put("bytes", c.http.otherBytes());
            s.put("reason", String.join("; ", c.http.notes()));
            skipped.add(s);
        } else {
            for (String n : c.http.notes()) {
                notes.add("connection " + c.connId + " (" + c.processName + "): " + n);
            }
        }
    }

    private void onExchange(Exchange x) {
        try {
            record(x);
        } finally {
            x.closeBodies(); // written everywhere they go
        }
    }

    private void record(Exchange x) {
        HarEntry entry = factory.entry(x);
        try {
            write(x, entry);
        } finally {
            HarEntryFactory.release(entry);
        }
    }

    private void write(Exchange x, HarEntry entry) {
        entries++;
        boolean isIncomplete = entry.additional().containsKey("_incomplete");
        if (isIncomplete) {
            incomplete++;
        }
        if ((x.response() != null && (x.response().body.truncated() || x.response().cappedBytes > 0)) || x.request().body.truncated()) {
            truncated++;
        }
        if (writer != null) {
            writer.add(x.request().tsStart, entry);
        }
        HarEntry committed = null;
        for (Segment s : segments.values()) {
            if (s.covers(x.request().tsStart)) {
                if (committed == null) {
                    committed = withoutRunDetails(entry);
                }
                s.writer.add(x.request().tsStart, committed);
                s.entries++;
                if (entry.additional().get("_tlsLibrary") instanceof String library) {
                    s.tlsLibraries.add(library);
                }
                if (isIncomplete) {
                    s.incomplete++;
                }
            }
        }
        if (exchangeObserver != null) {
            exchangeObserver.accept(x);
        }
    }

    private static String address(InetSocketAddress a) {
        String ip = a.getAddress().getHostAddress();
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + a.getPort();
    }

    // read after finish()
    int connections() { return connections; }
    int nonHttp() { return nonHttp; }
    int entries() { return entries; }
    int incomplete() { return incomplete; }
    /**
     * A segment's HAR is committed with its test and recorded again and again: it leaves out what
     * changes with every run and tells a reviewer nothing (the process id; its name stays).
     */
    private static HarEntry withoutRunDetails(HarEntry entry) {
        Map<String, Object> additional = new LinkedHashMap<>(entry.additional());
        additional.remove("_pid");
        return entry.toBuilder().additional(additional).build();
    }

    int truncated() { return truncated; }
    long lostBytes() { return lostBytes; }
    /** Processes that ran in scope, whether or not they had a connection decoded. */
    int processes() { return processesRan.size(); }
    boolean hadConnection(int pid) { return processesSeen.contains(pid); }
    List<String> librariesSeen() { return List.copyOf(librariesSeen); }
    List<Map<String, Object>> skipped() { return skipped; }
    List<String> notes() { return notes; }
    /** JVMs whose probe said hello: pid, process, how it was loaded. */
    List<Map<String, Object>> jvmProbes() { return List.copyOf(jvmProbes.values()); }
    /** The same without the pids: for a segment's HAR, committed and recorded again (the pid changes each run). */
    List<Map<String, Object>> jvmProbesWithoutPids() {
        return jvmProbes.values().stream().map(m -> {
            Map<String, Object> copy = new LinkedHashMap<>(m);
            copy.remove("pid");
            return copy;
        }).distinct().toList();
    }
    /** From any thread: has the JVM probe in this process said hello? */
    boolean jvmProbeLoaded(int pid) { return jvmProbes.containsKey(pid); }

    private final class Conn {
        final long connId;
        final int pid;
        final String processName;
        final String container;
        final String library;
        final HttpConnection http;
        final DirectionStream in, out;
        InetSocketAddress local, remote;
        boolean ended;
        /**
         * Exchanges finished before the connection's socket was known: on a memory BIO (node as a
         * server) the first response is written by SSL_write before the socket write that tells the
         * kernel the socket. Held until the addresses come, the connection ends or a test's window closes.
         */
        private final List<Exchange> waiting = new ArrayList<>();

        Conn(long connId, int pid, int libraryId) {
            this.connId = connId;
            this.pid = pid;
            this.processName = processNames.computeIfAbsent(pid,
                    p -> io.recordtls.recorder.scope.ProcFs.comm(p).orElse("pid " + p));
            this.container = containers.computeIfAbsent(pid, io.recordtls.recorder.scope.Cgroups::containerId).orElse(null);
            this.library = probes.libraryName(libraryId);
            this.http = new HttpConnection(this::info, maxBody, this::exchanged);
            // the tail of a body past --max-body is counted by the kernel, not copied
            this.in = new DirectionStream(http.in, maxCapture, (from, until) -> skipped(false, from, until));
            this.out = new DirectionStream(http.out, maxCapture, (from, until) -> skipped(true, from, until));
            http.controls(in, out);
        }

        private boolean skips;

        private void skipped(boolean isOut, long from, long until) {
            skips = true;
            probes.skipCopying(connId, isOut, from, until);
        }

        ConnectionInfo info() {
            return new ConnectionInfo(connId, pid, processName, container, library, local, remote, http.clientSide());
        }

        /** The JVM probe's connections carry their addresses in their first frame, or never learn them: nothing to wait for. */
        private void exchanged(Exchange x) {
            if (remote == null && !ended && !TlsProbes.JSSE.equals(library)) {
                waiting.add(x);
            } else {
                onExchange(x);
            }
        }

        /** Hands on the held exchanges, with the addresses known now. */
        void releaseWaiting() {
            for (Exchange x : waiting) {
                ConnectionInfo was = x.connection();
                onExchange(new Exchange(new ConnectionInfo(was.connId(), was.pid(), was.process(), was.container(), was.tlsLibrary(),
                        local, remote, was.clientSide()), x.protocol(), x.request(), x.response(), x.notes()));
            }
            waiting.clear();
        }
    }
}
