package io.recordtls.recorder;

import io.recordtls.recorder.bpf.BpfException;
import io.recordtls.recorder.capture.CaptureEvent;
import io.recordtls.recorder.capture.CapturePump;
import io.recordtls.recorder.capture.CaptureStats;
import io.recordtls.recorder.capture.TlsProbes;
import de.sstoehr.harreader.model.HarEntry;
import io.recordtls.recorder.har.HarEntryFactory;
import io.recordtls.recorder.har.HarFileWriter;
import io.recordtls.recorder.har.MonotonicClock;
import io.recordtls.har.Redactor;
import io.recordtls.recorder.http.Exchange;
import io.recordtls.recorder.jvm.JvmProbeJar;
import io.recordtls.recorder.jvm.JvmTargets;
import io.recordtls.recorder.libs.LibraryTracker;
import io.recordtls.recorder.capture.TlsLibrary;
import io.recordtls.recorder.scope.Cgroups;
import io.recordtls.recorder.scope.ProcFs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Records the HTTPS exchanges of a set of processes (and everything they start) into a HAR file.
 *
 * <pre>{@code
 * try (Recorder r = Recorder.start(RecorderOptions.defaults())) {
 *     Process p = r.launch(List.of("curl", "-s", "https://example.test/"), ProcessBuilder.Redirect.INHERIT);
 *     p.waitFor();
 *     RecordingSummary s = r.stop(Path.of("out.har"));
 * }
 * }</pre>
 */
public final class Recorder implements AutoCloseable {
    public static final String VERSION = "0.1.0";

    private final RecorderOptions options;
    private final TlsProbes probes;
    private final LibraryTracker libraries;
    private final JvmTargets jvms;
    private final CapturePump pump;
    private final RecordingPipeline pipeline;
    private final HarFileWriter writer;
    private final Redactor redactor;
    private final NotDecodedReasons reasons;
    private final Instant started = Instant.now();
    private final List<Long> roots = Collections.synchronizedList(new ArrayList<>());
    private final List<String> commands = Collections.synchronizedList(new ArrayList<>());
    private RecordingSummary summary;
    private boolean closed;

    private Recorder(RecorderOptions options, Consumer<Exchange> observer) {
        // while the probes load (the verifier's time is the kernel's, on this thread)
        io.recordtls.recorder.http.HttpConnection.warmUpInBackground(Recorder::writeWarmUpHar);
        this.options = options;
        this.redactor = new Redactor(options.redact(), options.redaction());
        this.writer = options.wholeRecording() ? new HarFileWriter() : null;
        // Copy a little more than one body per call, so a call that carries headers and a
        // body just under the cap is not cut.
        long maxCapture = Math.min(Integer.MAX_VALUE, options.maxBody() + (64 << 10));
        this.probes = TlsProbes.load(new TlsProbes.Config(maxCapture, options.ringBufferBytes(),
                Math.max(64 << 10, options.ringBufferBytes() / 4), true));
        PhaseLog.mark("recorder: start");
        this.jvms = new JvmTargets(JvmProbeJar.find(), "", this::jvmProbeLoaded, this::announceJvmProbe);
        try {
            this.libraries = new LibraryTracker(probes, jvms::onJvm);
        } catch (RuntimeException e) {
            probes.close();
            throw e;
        }
        this.reasons = new NotDecodedReasons(libraries, jvms, probes);
        try {
            libraries.knowSystemLibraries();
            PhaseLog.mark("system libraries inspected");
            this.pipeline = new RecordingPipeline(probes, maxCapture, options.maxBody(),
                    new HarEntryFactory(new MonotonicClock(), redactor, options.maxBody()), writer, observer);
            this.pump = new CapturePump(probes, this::onEvent, pipeline::flush);
            pipeline.start();
            pump.start();
            PhaseLog.mark("pipeline started");
        } catch (RuntimeException e) {
            probes.close();
            libraries.close();
            if (writer != null) {
                writer.close();
            }
            throw e;
        }
    }

    /**
     * Gets libbpf's bindings made on a thread of their own: a command that will record calls this
     * first thing, so that its own start (command line, checks) overlaps with them. Nothing else
     * here: more work beside picocli on two cores made its command line model 3 times slower.
     * Optional; failures surface in {@link #start}.
     */
    public static void prepare() {
        io.recordtls.recorder.bpf.BpfSupport.bindInBackground();
    }

    /**
     * A made-up exchange through the HAR entry factory and a HAR writer, written to nowhere: a
     * test's first tls.exchanges() waited about 150 ms for the recorder to load and link all that
     * (Jackson's serializers for the HAR model above all).
     */
    private static void writeWarmUpHar(Exchange x) {
        try (HarFileWriter w = new HarFileWriter()) {
            RecorderOptions defaults = RecorderOptions.defaults();
            HarEntry entry = new HarEntryFactory(new MonotonicClock(), new Redactor(defaults.redact(), defaults.redaction()), 1 << 10).entry(x);
            w.add(0, entry);
            HarEntryFactory.release(entry);
            x.closeBodies();
            // to no file: a recorder killed meanwhile must leave nothing behind
            w.writeTo(java.io.OutputStream.nullOutputStream(), VERSION, null, Map.of("_recordtls", Map.of("warmUp", true)));
        } catch (IOException | RuntimeException e) {
            // only a warm-up: the first real entry loads what this did not
        }
    }

    /** Loads and attaches the probes. Throws {@link BpfException} (permission denied, no eBPF...) with what to do. */
    public static Recorder start(RecorderOptions options) {
        return new Recorder(options, null);
    }

    /** Same, and tells {@code observer} of every exchange as it completes (on the pipeline thread). */
    public static Recorder start(RecorderOptions options, Consumer<Exchange> observer) {
        return new Recorder(options, observer);
    }

    private boolean jvmProbeLoaded(int pid) {
        return pipeline != null && pipeline.jvmProbeLoaded(pid);
    }

    /** A probe that said hello before this recording listened (a JVM started with it). */
    private void announceJvmProbe(long pid, String how) {
        pipeline.submit(new CaptureEvent.JvmHello((int) pid, System.nanoTime(), how));
    }

    private void onEvent(CaptureEvent e) {
        if (e instanceof CaptureEvent.TlsHello h) {
            // here, as the event is read: the process most likely still runs, so what it maps can be read
            // the program it exec'd first: a one-shot client may be gone by now, and its comm with it
            pipeline.unseen.hello(h, pid -> reasons.program(pid).or(() -> ProcFs.comm(pid)).orElse("pid " + pid),
                    reasons::mappedFiles);
        }
        if (e instanceof CaptureEvent.FileLoaded f && f.exec()) {
            reasons.exec(f.pid(), f.path());
        }
        if (e instanceof CaptureEvent.FileLoaded f && !f.leftOut()) {
            if (f.exec()) {
                pipeline.noteContainer(f.pid()); // while it surely lives: it may be held right now
            }
            libraries.onFileLoaded(f); // the process may be waiting on this: right now, on this thread
        }
        if (e instanceof CaptureEvent.ForkHeld h) {
            libraries.onForkHeld(h); // waiting on this, likewise
        }
        if (e instanceof CaptureEvent.Exit x) {
            libraries.onProcessGone(x.pid());
        }
        pipeline.submit(e);
    }

    /** Records a running process and its descendants, those alive now and those it starts later. */
    public void addProcess(long pid) {
        addProcess(pid, p -> true);
    }

    /**
     * Same, with only those of its running descendants that {@code include} accepts (the
     * privileged agent leaves out those of other users).
     */
    public void addProcess(long pid, java.util.function.LongPredicate include) {
        if (!ProcFs.alive(pid)) {
            throw new IllegalArgumentException("no process " + pid);
        }
        libraries.root(pid);
        long self = ProcessHandle.current().pid(); // a test JVM's recorder is its child: never ourselves
        java.util.Set<Long> tree = new java.util.LinkedHashSet<>(ProcFs.withDescendants(pid));
        tree.removeIf(p -> p != pid && !include.test(p));
        for (long p : tree) {
            if (p == self) {
                continue;
            }
            // scope first: a library the process maps from now on stops it until looked at
            probes.addToScope(p);
            ProcFs.comm(p).ifPresent(name -> pipeline.nameProcess((int) p, name));
            libraries.scan(p);
        }
        for (long p : tree) {
            jvms.awaitProbe(p); // a running JVM records from here on, like any other process
        }
        roots.add(pid);
    }

    /**
     * Records the processes of a cgroup and of the cgroups below it (containers): those in it
     * now, with their descendants, and every process that execs in it later, from its first
     * instruction, however it got there ({@code docker exec} included).
     */
    public void addCgroup(Path cgroupDir) {
        probes.addScopeCgroup(Cgroups.id(cgroupDir));
        for (long pid : Cgroups.processes(cgroupDir)) {
            if (pid != ProcessHandle.current().pid()) {
                try {
                    addProcess(pid);
                } catch (IllegalArgumentException exited) {
                    // gone meanwhile
                }
            }
        }
    }

    /**
     * Starts a command in scope from its very first instruction: a shell waits on a FIFO until
     * its pid is in the kernel's scope map, then execs the command.
     */
    public Process launch(List<String> command, ProcessBuilder.Redirect io) {
        ProcessBuilder.Redirect input = io == ProcessBuilder.Redirect.DISCARD
                ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null")) : io;
        return launch(command, pb -> pb.redirectInput(input).redirectOutput(io).redirectError(io));
    }

    public Process launch(List<String> command, Consumer<ProcessBuilder> configure) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        // In the recorder's private directory: the watchdog tells the shell to give up if this JVM dies before "go"
        Path fifo = libraries.newGate();
        try {
            ProcessBuilder pb = new ProcessBuilder(LaunchGate.argv(fifo, command));
            configure.accept(pb);
            // JVMs it starts (and their children's) load the JVM probe from their first instruction
            jvms.jar().ifPresent(jar -> pb.environment().put("JAVA_TOOL_OPTIONS",
                    JvmProbeJar.javaToolOptions(jar, pb.environment().get("JAVA_TOOL_OPTIONS"))));
            PhaseLog.mark("launch: gate made");
            Process p = pb.start();
            PhaseLog.mark("launch: started");
            libraries.root(p.pid());
            probes.addToScope(p.pid());
            pipeline.nameProcess((int) p.pid(), Path.of(command.getFirst()).getFileName().toString());
            roots.add(p.pid());
            commands.add(redactor.commandLine(command));
            LaunchGate.release(fifo, p);
            PhaseLog.mark("launch: released");
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("start " + command.getFirst(), e);
        } finally {
            try {
                Files.deleteIfExists(fifo);
            } catch (IOException ignored) {
                // the watchdog removes the directory
            }
        }
    }

    /** What a closed segment holds. {@code droppedEvents}: ring-buffer drops anywhere during its window. */
    public record SegmentSummary(Path har, int entries, int incompleteEntries, long droppedEvents) {}

    /** How long the end of a window waits for writes that entered their TLS function to return. */
    private static final long WRITES_IN_FLIGHT_WAIT = 250_000_000L;

    private final Map<String, CaptureStats> segmentStart = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Starts a segment: from now on, exchanges whose request starts are also written to the
     * segment's own HAR. Segments may overlap (each exchange goes to every open one).
     */
    public void beginSegment(String id) {
        segmentStart.put(id, probes.stats());
        pipeline.openSegment(id, System.nanoTime()); // CLOCK_MONOTONIC, as bpf_ktime_get_ns
    }

    /** Writes the segment so far (every SSL call made before this call is in). */
    public void snapshotSegment(String id, Path har) {
        long now = System.nanoTime();
        probes.awaitWritesInFlight(now, WRITES_IN_FLIGHT_WAIT);
        pump.sync();
        RecordingPipeline.Segment s = pipeline.segment(id);
        if (s == null) {
            throw new IllegalArgumentException("no open segment " + id);
        }
        pipeline.runInOrder(() -> s.writer.writeTo(har, VERSION, null, Map.of("_recordtls", segmentExtras(s, now))));
    }

    /** Ends the segment now and writes its HAR atomically. */
    public SegmentSummary endSegment(String id, Path har) {
        long now = System.nanoTime();
        probes.awaitWritesInFlight(now, WRITES_IN_FLIGHT_WAIT);
        pump.sync();
        RecordingPipeline.Segment s = pipeline.closeSegment(id, now);
        try {
            s.writer.writeTo(har, VERSION, null, Map.of("_recordtls", segmentExtras(s, now)));
            CaptureStats before = segmentStart.remove(id);
            long dropped = probes.stats().droppedEvents() - (before == null ? 0 : before.droppedEvents());
            return new SegmentSummary(har, s.entries, s.incomplete, dropped);
        } finally {
            s.writer.close();
        }
    }

    private Map<String, Object> segmentExtras(RecordingPipeline.Segment s, long now) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("segment", s.id);
        CaptureStats before = segmentStart.get(s.id);
        CaptureStats stats = probes.stats();
        Map<String, Object> capture = new LinkedHashMap<>();
        capture.put("droppedEvents", stats.droppedEvents() - (before == null ? 0 : before.droppedEvents()));
        capture.put("droppedBytes", stats.droppedBytes() - (before == null ? 0 : before.droppedBytes()));
        capture.put("unprocessedEvents", pipeline.failedEvents()); // in the whole run: the first is on stderr
        capture.put("maxBody", options.maxBody());
        x.put("capture", capture);
        // the stacks this segment's exchanges went through, by name: stable from one recording to the next
        x.put("tlsLibraries", List.copyOf(s.tlsLibraries));
        if (!pipeline.jvmProbes().isEmpty()) {
            x.put("jvmProbes", pipeline.jvmProbesWithoutPids());
        }
        if (!libraries.problems().isEmpty()) {
            x.put("libraryProblems", libraries.problems()); // in the whole run: what could not be probed
        }
        List<String> unprobed = libraries.unprobed(this::seenOrNamed);
        if (!unprobed.isEmpty()) {
            x.put("unprobedTls", unprobed); // in the whole run: processes on TLS stacks no probe decodes
        }
        List<UnseenTls.NotDecoded> notDecoded = pipeline.unseen.report(reasons::why);
        if (!notDecoded.isEmpty()) { // in the whole run, without pids (a segment's HAR is committed)
            x.put("tlsNotDecoded", notDecoded.stream().map(n -> n.toHar(false)).distinct().toList());
        }
        if (!jvms.problems().isEmpty()) {
            x.put("jvmProblems", jvms.problems()); // in the whole run: JVMs whose TLS was not recorded
        }
        x.put("redaction", redactionInfo(false));
        return x;
    }

    /**
     * A process that mapped an unprobed TLS library is named by that alone only when nothing else
     * names it: it had a connection decoded, or its undecoded connections are named already.
     */
    private boolean seenOrNamed(int pid) {
        return pipeline.hadConnection(pid) || pipeline.unseen.named(pid);
    }

    /**
     * Takes a process added with {@link #addProcess} out of scope again, in the kernel (its children
     * in scope stay): the agent's answer to a process that ended while it was being added, whose
     * pid another process may have taken.
     */
    public void removeProcess(long pid) {
        probes.removeFromScope(pid);
        roots.remove(Long.valueOf(pid));
    }

    public boolean inScope(long pid) {
        return probes.inScope(pid);
    }

    /**
     * How many uprobe links are planted in this process now (one per probe program on Linux 6.6
     * and later, else one per function and kind): probes are planted per process in scope, never
     * system-wide, so any other process that maps the same library traps nothing.
     */
    public int uprobesIn(long pid) {
        return probes.linksOf((int) pid);
    }

    /** How many uprobe links are planted in all processes, those being removed included. */
    public int uprobes() {
        return probes.uprobeLinks();
    }

    public List<TlsLibrary> libraries() {
        return probes.libraries();
    }

    public CaptureStats kernelStats() {
        return probes.stats();
    }

    /**
     * Stops recording: detaches the probes, drains the ring buffer, ends the connections still
     * open (their entries are marked incomplete) and writes the HAR atomically.
     */
    public synchronized RecordingSummary stop(Path har) {
        if (summary != null) {
            return summary;
        }
        PhaseLog.mark("stop: start");
        probes.awaitWritesInFlight(System.nanoTime(), WRITES_IN_FLIGHT_WAIT);
        PhaseLog.mark("stop: writes in flight returned");
        jvms.close();
        PhaseLog.mark("stop: jvm targets closed");
        probes.detach();
        PhaseLog.mark("stop: probes detached");
        pump.drainAndStop();
        PhaseLog.mark("stop: ring buffer drained");
        pipeline.finish();
        PhaseLog.mark("stop: pipeline finished");
        CaptureStats stats = probes.stats();
        Map<Long, io.recordtls.recorder.capture.ConnectionLoss> losses = probes.losses();
        List<String> notes = new ArrayList<>(libraries.problems());
        List<UnseenTls.NotDecoded> notDecoded = pipeline.unseen.report(reasons::why);
        notes.addAll(notDecoded.stream().map(UnseenTls.NotDecoded::describe).toList());
        notes.addAll(stats.problems());
        if (pump.failures() > 0) {
            notes.add(pump.failures() + " ring-buffer record(s) could not be handled (the first is on stderr): what they carried is missing");
        }
        notes.addAll(libraries.unprobed(this::seenOrNamed));
        notes.addAll(jvms.problems());
        notes.addAll(pipeline.notes());
        List<String> libNames = probes.libraries().stream().map(TlsLibrary::toString).toList();
        summary = new RecordingSummary(har, pipeline.entries(), pipeline.incomplete(), pipeline.truncated(),
                pipeline.connections(), pipeline.nonHttp(), pipeline.processes(), libNames, stats,
                pipeline.lostBytes(), notes, notDecoded.stream().mapToInt(UnseenTls.NotDecoded::connections).sum());
        if (writer != null) {
            Map<String, Object> extras = logExtras(stats, losses, notes, libNames);
            if (!notDecoded.isEmpty()) {
                extras.put("tlsNotDecoded", notDecoded.stream().map(n -> n.toHar(true)).toList());
            }
            writer.writeTo(har, VERSION, null, Map.of("_recordtls", extras));
            PhaseLog.mark("stop: HAR written");
        }
        return summary;
    }

    private Map<String, Object> logExtras(CaptureStats stats, Map<Long, io.recordtls.recorder.capture.ConnectionLoss> losses,
                                          List<String> notes, List<String> libNames) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("startedDateTime", started.toString());
        if (!commands.isEmpty()) {
            x.put("commands", List.copyOf(commands));
        }
        x.put("rootPids", List.copyOf(roots));
        x.put("tlsLibraries", pipeline.librariesSeen()); // the stacks connections went through, as a segment lists them
        x.put("probedLibraries", libNames); // every file probes were attached to, whether used or not
        if (!pipeline.jvmProbes().isEmpty()) {
            x.put("jvmProbes", pipeline.jvmProbes());
        }
        Map<String, Object> capture = new LinkedHashMap<>();
        capture.put("sslCalls", stats.calls());
        capture.put("bytes", stats.bytes());
        capture.put("ringBufferEvents", stats.events());
        capture.put("droppedEvents", stats.droppedEvents());
        capture.put("droppedBytes", stats.droppedBytes());
        capture.put("unprocessedEvents", pipeline.failedEvents());
        capture.put("unhandledRecords", pump.failures());
        capture.put("unreadableBytes", stats.faultBytes());
        capture.put("bytesOverMaxBody", stats.cappedBytes());
        capture.put("maxBody", options.maxBody());
        capture.put("untrackedCalls", stats.untrackedCalls());
        capture.put("missedReturns", stats.missedReturns());
        capture.put("lengthFaults", stats.lengthFaults());
        capture.put("scopeMisses", stats.scopeMisses());
        capture.put("ungatedFiles", stats.ungatedFiles());
        if (!losses.isEmpty()) {
            Map<String, Object> per = new LinkedHashMap<>();
            losses.forEach((id, l) -> per.put(Long.toString(id), Map.of("inBytes", l.inBytes(), "outBytes", l.outBytes(), "events", l.events())));
            capture.put("lossesByConnection", per);
        }
        x.put("capture", capture);
        x.put("redaction", redactionInfo(true));
        if (!pipeline.skipped().isEmpty()) {
            x.put("skippedConnections", pipeline.skipped());
        }
        if (!notes.isEmpty()) {
            x.put("notes", notes);
        }
        return x;
    }

    /** What the HAR says of redaction; the counts only for a whole recording (segments share the redactor). */
    private Map<String, Object> redactionInfo(boolean withCount) {
        return redactor.report(withCount);
    }

    /** Idempotent; without {@link #stop}, nothing is written. Probes are gone when this returns. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            jvms.close();
            probes.detach();
        } finally {
            try {
                pump.close();
            } finally {
                try {
                    if (summary == null) {
                        pipeline.finish();
                    }
                } catch (RuntimeException ignored) {
                    // closing after a failure: the failure was reported already
                } finally {
                    probes.close();
                    libraries.close(); // after the probes: nobody can be held any more
                    if (writer != null) {
                        writer.close();
                    }
                }
            }
        }
    }
}
