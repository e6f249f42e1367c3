package io.recordtls.recorder;

import de.sstoehr.harreader.model.HarEntry;
import io.recordtls.recorder.capture.CaptureEvent;
import io.recordtls.recorder.capture.TlsProbes;
import io.recordtls.recorder.har.HarEntryFactory;
import io.recordtls.recorder.har.HarFileWriter;
import io.recordtls.recorder.http.ConnectionInfo;
import io.recordtls.recorder.http.Exchange;
import io.recordtls.recorder.http.HttpConnection;
import io.recordtls.recorder.libs.TlsLibrary;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * Everything after the ring buffer, on its own thread so that parsing never holds up the
 * reader: connections, stream reassembly, HTTP, HAR entries.
 */
final class RecordingPipeline {
    private static final Object END = new Object();

    private final TlsProbes probes;
    private final long maxCapture;
    private final long maxBody;
    private final HarEntryFactory factory;
    private final HarFileWriter writer;
    private final Consumer<Exchange> exchangeObserver;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>(1 << 16);
    private final Thread thread;
    private final Map<Long, Conn> conns = new HashMap<>();
    private final Map<Integer, String> processNames = new HashMap<>();
    private final Set<Integer> processesSeen = new TreeSet<>();
    private final List<Map<String, Object>> skipped = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private int connections, nonHttp, entries, incomplete, truncated;
    private long lostBytes;
    private volatile Throwable failure;

    RecordingPipeline(TlsProbes probes, long maxCapture, long maxBody, HarEntryFactory factory, HarFileWriter writer,
                      Consumer<Exchange> exchangeObserver) {
        this.probes = probes;
        this.maxCapture = maxCapture;
        this.maxBody = maxBody;
        this.factory = factory;
        this.writer = writer;
        this.exchangeObserver = exchangeObserver;
        this.thread = Thread.ofPlatform().name("recordtls-pipeline").daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** From the ring-buffer thread. Blocks when parsing falls far behind (the ring then absorbs). */
    void submit(CaptureEvent e) {
        try {
            queue.put(e);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    void nameProcess(int pid, String name) {
        submit(new CaptureEvent.Fork(pid, 0, 0, name));
    }

    /** Ends every connection still open and waits until everything is written to the spool. */
    void finish() {
        try {
            queue.put(END);
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw new IllegalStateException("processing captured events failed", failure);
        }
    }

    private void run() {
        try {
            while (true) {
                Object o = queue.take();
                if (o == END) {
                    for (Conn c : List.copyOf(conns.values())) {
                        end(c, "recording stopped", -1, -1);
                    }
                    return;
                }
                handle((CaptureEvent) o);
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void handle(CaptureEvent e) {
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
                }
            }
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
            case CaptureEvent.Fork f -> processNames.put(f.pid(),
                    f.parentPid() != 0 ? processNames.getOrDefault(f.parentPid(), f.comm()) : f.comm());
            case CaptureEvent.FileLoaded fl -> {
                if (fl.exec()) {
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
        }
        return c;
    }

    private void end(Conn c, String why, long inBytes, long outBytes) {
        if (inBytes >= 0) {
            c.in.end(inBytes, 0);
            c.out.end(outBytes, 0);
        }
        c.http.end(why);
        conns.remove(c.connId);
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
        HarEntry entry = factory.entry(x);
        entries++;
        if (entry.additional().containsKey("_incomplete")) {
            incomplete++;
        }
        if ((x.response() != null && (x.response().body.truncated() || x.response().cappedBytes > 0)) || x.request().body.truncated()) {
            truncated++;
        }
        writer.add(x.request().tsStart, entry);
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
    int truncated() { return truncated; }
    long lostBytes() { return lostBytes; }
    int processes() { return processesSeen.size(); }
    List<Map<String, Object>> skipped() { return skipped; }
    List<String> notes() { return notes; }

    private final class Conn {
        final long connId;
        final int pid;
        final String processName;
        final String library;
        final HttpConnection http;
        final DirectionStream in, out;
        InetSocketAddress local, remote;

        Conn(long connId, int pid, int libraryId) {
            this.connId = connId;
            this.pid = pid;
            this.processName = processNames.computeIfAbsent(pid,
                    p -> io.recordtls.recorder.scope.ProcFs.comm(p).orElse("pid " + p));
            TlsLibrary lib = probes.library(libraryId);
            this.library = lib == null ? "unknown" : lib.name();
            this.http = new HttpConnection(this::info, maxBody, RecordingPipeline.this::onExchange, h -> {});
            this.in = new DirectionStream(http.in, maxCapture);
            this.out = new DirectionStream(http.out, maxCapture);
        }

        ConnectionInfo info() {
            return new ConnectionInfo(connId, pid, processName, library, local, remote, http.clientSide());
        }
    }
}
