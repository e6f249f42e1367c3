package io.recordtls.junit;

import io.recordtls.agent.AgentReply;
import io.recordtls.har.RecordedExchange;
import org.testcontainers.containers.GenericContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A test class with Testcontainers containers: one mode for the whole class (a container outlives
 * a test), decided before the first container starts.
 *
 * <p>Recording: containers start under the recorder's parent cgroup; what they exchange before
 * the first test begins (a service calling its upstream as it starts) goes into
 * {@value #BEFORE_ALL}, next to the tests' recordings.
 *
 * <p>Replaying: one replay server per origin recorded anywhere in the class, on the recorded
 * port, up before the containers start, serving {@value #BEFORE_ALL} until the first test and
 * the test's own recording during each test.
 */
final class ContainerRun implements AutoCloseable {
    static final String BEFORE_ALL = "_beforeAll.har";

    private final RecordTlsMode mode;
    private final Path classDir;
    private final Set<GenericContainer<?>> prepared = Collections.newSetFromMap(new IdentityHashMap<>());
    // recording
    private final AgentClient agent;
    private final String cgroupParent;
    private String classSegment;
    // replaying
    private final ReplaySession session;
    private final List<Origin> origins;
    private final Path caBundle, trustStore;

    private ContainerRun(RecordTlsMode mode, Path classDir, AgentClient agent, String cgroupParent, String classSegment,
                         ReplaySession session, List<Origin> origins, Path caBundle, Path trustStore) {
        this.mode = mode;
        this.classDir = classDir;
        this.agent = agent;
        this.cgroupParent = cgroupParent;
        this.classSegment = classSegment;
        this.session = session;
        this.origins = origins;
        this.caBundle = caBundle;
        this.trustStore = trustStore;
    }

    /**
     * AUTO replays a class that has recordings, and records one that has none. {@code dirs}: the
     * class's folder, then those of its @Nested classes (their tests share its containers).
     */
    static RecordTlsMode classMode(RecordTlsMode configured, List<Path> dirs) throws IOException {
        if (configured != RecordTlsMode.AUTO) {
            return configured;
        }
        return hars(dirs).isEmpty() ? RecordTlsMode.RECORD : RecordTlsMode.REPLAY;
    }

    static ContainerRun recording(Path classDir, AgentClient agent, String classSegment) throws IOException {
        String parent = agent.containerParent(ContainerTargets.cgroupDriver());
        agent.begin(classSegment, List.of(ProcessHandle.current().pid()));
        return new ContainerRun(RecordTlsMode.RECORD, classDir, agent, parent, classSegment, null, List.of(), null, null);
    }

    static ContainerRun replaying(List<Path> dirs, RecordTlsSettings settings) throws IOException {
        Path classDir = dirs.get(0);
        Set<Origin> origins = new LinkedHashSet<>();
        for (Path har : hars(dirs)) {
            ReplaySession.readRecording(har).forEach(x -> origins.add(Origin.of(x.url())));
        }
        Path before = classDir.resolve(BEFORE_ALL);
        List<RecordedExchange> beforeAll = Files.exists(before) ? ReplaySession.readRecording(before) : List.of();
        ReplaySession session = new ReplaySession(settings.stubOptions(), true);
        try {
            session.serve(origins);
            session.load(beforeAll);
            return new ContainerRun(RecordTlsMode.REPLAY, classDir, null, null, null, session, List.copyOf(origins),
                    session.caBundle(), session.trustStore());
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    RecordTlsMode mode() {
        return mode;
    }

    ReplaySession session() {
        return session;
    }

    /** Prepares each container once, before it starts. */
    void prepare(List<GenericContainer<?>> containers) throws IOException {
        for (GenericContainer<?> c : containers) {
            if (!prepared.add(c)) {
                continue;
            }
            if (mode == RecordTlsMode.RECORD) {
                ContainerTargets.prepareForRecording(c, cgroupParent, agent.scratch());
            } else {
                ContainerTargets.prepareForReplay(c, caBundle, trustStore, origins);
            }
        }
    }

    /** Recording: the first test begins, so what came before it is written down. */
    synchronized void endBeforeAll() throws IOException {
        if (classSegment == null) {
            return;
        }
        String segment = classSegment;
        classSegment = null;
        Path har = classDir.resolve(BEFORE_ALL);
        Files.createDirectories(classDir);
        AgentReply.SegmentSummary result = agent.end(segment, har);
        TestVerdicts.requireNoDrops(result, har, "while the containers started");
        if (result.entries() == 0) {
            Files.deleteIfExists(har); // nothing happened before the tests: no file to commit
        }
    }

    private static List<Path> hars(List<Path> dirs) throws IOException {
        List<Path> out = new java.util.ArrayList<>();
        for (Path dir : dirs) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    out.addAll(files.filter(p -> p.getFileName().toString().endsWith(".har")).sorted().toList());
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        try {
            if (mode == RecordTlsMode.RECORD) {
                endBeforeAll();
            }
        } finally {
            if (session != null) {
                session.close();
            }
        }
    }
}
