package io.recordtls.junit;

import io.recordtls.agent.AgentReply;
import io.recordtls.har.RecordedExchange;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The extension behind {@link RecordTls}; also usable with {@code @RegisterExtension} and
 * {@link #builder()} for configuration in code.
 */
public final class RecordTlsExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver,
        TestExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RecordTlsExtension.class);
    /** -Drecordtls.skipWhenRecordingImpossible=true: skip (with the reason) every test that cannot record, in a whole run. */
    public static final String SKIP_PROPERTY = "recordtls.skipWhenRecordingImpossible";


    private final RecordTlsSettings explicit;
    /** The class a registered instance serves, from its beforeAll: what {@link #baseUrl} answers for. */
    private volatile ExtensionContext classContext;
    /** The class store's key for a mode fixed for the whole class (its base URLs were handed out before its tests). */
    private static final String CLASS_MODE = "classMode";

    /** Used through {@link RecordTls}. */
    public RecordTlsExtension() {
        this(null);
    }

    private RecordTlsExtension(RecordTlsSettings explicit) {
        this.explicit = explicit;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Where the code under test should send requests meant for {@code origin}, for what is set up
     * once per class before its tests (a Spring context):
     * {@code registry.add("rates.api", () -> tls.baseUrl("https://rates.api.example"))} in a
     * {@code @DynamicPropertySource}, with this extension in a static {@code @RegisterExtension}
     * field. The origin itself when the class records, the class's replay server for it when it
     * replays (each test's recording is served there in turn). Asking fixes the mode for the
     * whole class, as AUTO decides for a class: replay when its folder has recordings.
     */
    public String baseUrl(String origin) {
        Origin o = Origin.parse(origin);
        ExtensionContext cls = requireClassContext("baseUrl");
        if (classWideMode(cls) == RecordTlsMode.RECORD) {
            return origin;
        }
        try {
            return classSession(cls, explicit).baseUrl(o);
        } catch (IOException e) {
            throw new UncheckedIOException("start a replay server for " + origin, e);
        }
    }

    /**
     * With {@link #baseUrl}: the CA bundle (the system's CAs and the class's replay servers') for
     * clients that build their own trust (Netty's), once every origin's base URL was asked for;
     * empty when the class records.
     */
    public Optional<Path> caCertificate() {
        ExtensionContext cls = requireClassContext("caCertificate");
        if (classWideMode(cls) == RecordTlsMode.RECORD) {
            return Optional.empty();
        }
        try {
            return Optional.of(classSession(cls, explicit).caBundle());
        } catch (IOException e) {
            throw new UncheckedIOException("write the replay's CA bundle", e);
        }
    }

    private ExtensionContext requireClassContext(String what) {
        ExtensionContext cls = classContext;
        if (explicit == null || cls == null) {
            throw new ExtensionConfigurationException("RecordTlsExtension." + what + "() answers for a class from its beforeAll on"
                    + " (a @DynamicPropertySource is evaluated then), on the instance in its static @RegisterExtension field;"
                    + " inside a test, use the injected TlsRecording");
        }
        return cls;
    }

    /** The class's mode, fixed the first time a class-level base URL is asked for. */
    private RecordTlsMode classWideMode(ExtensionContext cls) {
        return cls.getStore(NS).getOrComputeIfAbsent(CLASS_MODE, k -> {
            try {
                return ContainerRun.classMode(RecordTlsSettings.configuredMode(explicit.mode()), List.of(explicit.classDir(cls)));
            } catch (IOException e) {
                throw new UncheckedIOException("look for the class's recordings", e);
            }
        }, RecordTlsMode.class);
    }

    /** Configuration in code, for {@code @RegisterExtension static RecordTlsExtension tls = RecordTlsExtension.builder()...build();} */
    public static final class Builder {
        private RecordTlsMode mode = RecordTlsMode.AUTO;
        private String directory = "";
        private Set<String> matchHeaders = Set.of();
        private Set<String> ignoreQuery = Set.of();
        private List<String> ignoreJson = List.of();
        private boolean failOnUnused, perClass, skip;

        public Builder mode(RecordTlsMode mode) { this.mode = mode; return this; }
        public Builder directory(Path dir) { this.directory = dir.toString(); return this; }
        public Builder matchHeaders(String... names) { this.matchHeaders = Set.of(names); return this; }
        public Builder ignoreQuery(String... names) { this.ignoreQuery = Set.of(names); return this; }
        public Builder ignoreJson(String... paths) { this.ignoreJson = List.of(paths); return this; }
        public Builder failOnUnusedRecordings(boolean on) { this.failOnUnused = on; return this; }
        public Builder replayServerPerClass(boolean on) { this.perClass = on; return this; }
        public Builder skipWhenRecordingImpossible(boolean on) { this.skip = on; return this; }

        public RecordTlsExtension build() {
            return new RecordTlsExtension(new RecordTlsSettings(mode, directory, matchHeaders, ignoreQuery, ignoreJson, failOnUnused, perClass, skip));
        }
    }

    private RecordTlsSettings settings(ExtensionContext ctx) {
        return RecordTlsSettings.of(ctx, explicit);
    }

    /**
     * A class with Testcontainers {@code @Container} fields: its mode is decided now, and its
     * static containers are prepared before they start (this runs before Testcontainers' own
     * callback when @RecordTls is declared first).
     */
    @Override
    public void beforeAll(ExtensionContext ctx) throws Exception {
        if (explicit != null) {
            classContext = ctx;
        }
        Class<?> testClass = ctx.getRequiredTestClass();
        RecordTlsMode classMode = likelyMode(ctx);
        if (classMode == RecordTlsMode.REPLAY) {
            jvmRouting(ctx); // before any Spring context (or other client) of the class is built
        } else if (classMode == RecordTlsMode.RECORD) {
            agentStart(ctx); // its start overlaps what the class does before its first test
        }
        if (!ContainerTargets.available() || !ContainerTargets.declaredIn(testClass)) {
            return;
        }
        ContainerRun enclosing = containerRun(ctx);
        if (enclosing != null) { // a @Nested class: its tests run in the enclosing class's containers and mode
            enclosing.prepare(ContainerTargets.of(testClass, null));
            return;
        }
        RecordTlsSettings s = settings(ctx);
        Path classDir = s.classDir(ctx);
        List<Path> dirs = new ArrayList<>(List.of(classDir));
        nestedClasses(testClass).forEach(n -> dirs.add(classDir.resolveSibling(n.getSimpleName())));
        RecordTlsMode mode = ContainerRun.classMode(RecordTlsSettings.configuredMode(s.mode()), dirs);
        ContainerRun run = mode == RecordTlsMode.RECORD
                ? ContainerRun.recording(classDir, agent(ctx, s), ctx.getUniqueId() + "/beforeAll")
                : ContainerRun.replaying(dirs, s);
        ctx.getStore(NS).put(ContainerRun.class, new Closeable<>(run));
        run.prepare(ContainerTargets.of(testClass, null));
    }

    /**
     * What the class's tests will do: REPLAY (or AUTO with recordings in the class's folder: some
     * may replay), RECORD (or AUTO without); null when its settings are wrong (each test says what).
     */
    private RecordTlsMode likelyMode(ExtensionContext classCtx) throws IOException {
        RecordTlsMode mode;
        try {
            mode = RecordTlsSettings.configuredMode(settings(classCtx).mode());
        } catch (ExtensionConfigurationException misuse) {
            return null;
        }
        return ContainerRun.classMode(mode, List.of(settings(classCtx).classDir(classCtx)));
    }

    /**
     * The JVM-wide routing and trust for Java code in this JVM, the JVM's defaults from now until
     * the class (whose store holds it) ends.
     */
    private static JvmReplayRouting jvmRouting(ExtensionContext classCtx) throws IOException {
        JvmReplayRouting routing = JvmReplayRouting.get();
        classCtx.getStore(NS).getOrComputeIfAbsent(JvmReplayRouting.class, k -> {
            try {
                routing.install();
            } catch (IOException e) {
                throw new UncheckedIOException("make the replay the JVM's default routing and trust", e);
            }
            return new Closeable<AutoCloseable>(routing::uninstall);
        });
        return routing;
    }

    /** The @Nested classes inside a test class, at any depth: their tests run in its containers. */
    private static List<Class<?>> nestedClasses(Class<?> testClass) {
        List<Class<?>> out = new ArrayList<>();
        for (Class<?> inner : testClass.getDeclaredClasses()) {
            if (AnnotationSupport.isAnnotated(inner, org.junit.jupiter.api.Nested.class)) {
                out.add(inner);
                out.addAll(nestedClasses(inner));
            }
        }
        return out;
    }

    /**
     * The mode of a class with {@code @Container} fields, decided in this extension's
     * beforeAll: for an extension declared after {@code @RecordTls} that must act before the
     * containers start (start a local upstream only while recording, say). Empty for a class
     * without containers, whose tests each have their own mode.
     */
    public static Optional<RecordTlsMode> classMode(ExtensionContext ctx) {
        return Optional.ofNullable(containerRun(ctx)).map(ContainerRun::mode);
    }

    private static ContainerRun containerRun(ExtensionContext ctx) {
        @SuppressWarnings("unchecked")
        Closeable<ContainerRun> c = (Closeable<ContainerRun>) ctx.getStore(NS).get(ContainerRun.class, Closeable.class);
        return c == null ? null : c.value();
    }

    @Override
    public void beforeEach(ExtensionContext ctx) throws Exception {
        RecordTlsSettings s = settings(ctx);
        Path har = s.harFile(ctx);
        ContainerRun containers = containerRun(ctx);
        ExtensionContext classCtx = ctx.getParent().orElse(ctx);
        RecordTlsMode fixedForClass = classCtx.getStore(NS).get(CLASS_MODE, RecordTlsMode.class);
        RecordTlsMode mode = containers != null ? containers.mode() : fixedForClass != null ? fixedForClass : RecordTlsSettings.configuredMode(s.mode());
        if (mode == RecordTlsMode.AUTO) {
            mode = Files.exists(har) ? RecordTlsMode.REPLAY : RecordTlsMode.RECORD;
        }
        if (containers != null) {
            for (Object instance : ctx.getRequiredTestInstances().getAllInstances()) { // enclosing ones too (@Nested)
                containers.prepare(ContainerTargets.of(instance.getClass(), instance));
            }
        }
        ExtensionContext.Store store = ctx.getStore(NS);
        // released when the test's context closes, however far this method got
        store.put(OneTestAtATime.class, new Closeable<>(OneTestAtATime.enter(ctx.getUniqueId())));
        if (mode == RecordTlsMode.RECORD) {
            AgentClient agent = agent(ctx, s);
            if (containers != null) {
                containers.endBeforeAll();
            }
            String segment = ctx.getUniqueId();
            agent.begin(segment, List.of(ProcessHandle.current().pid()));
            store.put(TestRecording.class, new TestRecording.Recording(har, agent, segment));
        } else {
            if (!Files.exists(har)) {
                throw new ExtensionConfigurationException("no recording at " + har.toAbsolutePath() + " to replay: record it once with -D"
                        + RecordTlsMode.PROPERTY + "=RECORD" + (containers != null
                        ? " (a class with containers records or replays as a whole: AUTO replays it because its folder has recordings)"
                        : fixedForClass != null ? " (the class's base URLs were taken before its tests, so it records or replays as a"
                        + " whole: AUTO replays it because its folder has recordings)" : " (or AUTO)") + " where the upstream is reachable");
            }
            List<RecordedExchange> recorded = ReplaySession.readRecording(har);
            boolean classSession = s.replayServerPerClass() || fixedForClass != null;
            ReplaySession session = containers != null ? containers.session()
                    : classSession ? classSession(classCtx, s) : new ReplaySession(s.stubOptions(), serverPool(classCtx));
            if (containers != null) {
                // what the containers asked for between tests (at start: before the first one)
                TestVerdicts.requireAllMatched(session.unmatched(), s.classDir(ctx).resolve(ContainerRun.BEFORE_ALL) + " (or the previous test's recording)");
            }
            session.load(recorded);
            JvmReplayRouting routing = jvmRouting(ctx.getParent().orElse(ctx));
            routing.activate(session);
            store.put(TestRecording.class, new TestRecording.Replay(har, session, containers == null && !classSession, routing));
        }
    }

    @Override
    public void afterEach(ExtensionContext ctx) throws Exception {
        RecordTlsSettings s = settings(ctx);
        TestRecording rec = ctx.getStore(NS).remove(TestRecording.class, TestRecording.class);
        if (rec instanceof TestRecording.Recording r) {
            Files.createDirectories(r.harFile().toAbsolutePath().getParent()); // ours, not root's
            Path partial = TestVerdicts.failedRecording(r.harFile());
            Optional<Throwable> failed = ctx.getExecutionException();
            if (failed.isPresent()) {
                // never where AUTO would replay it (nor over an earlier good recording): beside it, named as such
                r.agent().end(r.segment(), partial);
                TestVerdicts.recordingNotSaved(ctx, failed.get(), r.harFile(), partial);
                return;
            }
            AgentReply.SegmentSummary result = r.agent().end(r.segment(), r.harFile());
            Files.deleteIfExists(partial); // what an earlier failed run left
            TestVerdicts.requireNoDrops(result, r.harFile(), "while this test ran");
        } else if (rec instanceof TestRecording.Replay r) {
            try {
                TestVerdicts.requireNothingRefused(r.routing().deactivate(), r.harFile());
                TestVerdicts.requireAllMatched(r.session().unmatched(), r.harFile().toString());
                if (s.failOnUnusedRecordings()) {
                    var unused = r.session().unused();
                    if (!unused.isEmpty()) {
                        throw new AssertionError(unused.size() + " recorded exchange" + (unused.size() == 1 ? " was" : "s were")
                                + " never requested (failOnUnusedRecordings): " + unused.stream().map(m -> m.getName()).toList());
                    }
                }
            } finally {
                if (r.ownsSession()) {
                    r.session().close();
                }
            }
        }
    }



    /**
     * A test that failed because the replay refused a call (the client says only "Tunnel failed,
     * got: 403") fails with why, the client's exception as the cause.
     */
    @Override
    public void handleTestExecutionException(ExtensionContext ctx, Throwable thrown) throws Throwable {
        TestRecording rec = ctx.getStore(NS).get(TestRecording.class, TestRecording.class);
        if (rec instanceof TestRecording.Replay r) {
            List<String> refused = r.routing().refusedSoFar();
            if (!refused.isEmpty()) {
                throw TestVerdicts.refusal(refused, r.harFile(), thrown);
            }
        }
        throw thrown;
    }


    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
        return p.getParameter().getType() == TlsRecording.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
        TestRecording rec = ctx.getStore(NS).get(TestRecording.class, TestRecording.class);
        if (rec == null) {
            throw new ParameterResolutionException("TlsRecording exists per test: inject it into @Test, @BeforeEach or @AfterEach methods");
        }
        return rec;
    }

    /** One agent per test run, shared by every test class, stopped when the run ends. */
    private static AgentClient agent(ExtensionContext ctx, RecordTlsSettings s) {
        try {
            return agentStart(ctx).await();
        } catch (AgentLauncher.RecordingImpossibleException e) {
            String message = "cannot record " + ctx.getDisplayName() + ": " + e.getMessage();
            if (s.skipWhenRecordingImpossible() || Boolean.getBoolean(SKIP_PROPERTY)) {
                throw new TestAbortedException(message);
            }
            throw new ExtensionConfigurationException(message);
        } catch (IOException e) {
            throw new UncheckedIOException("start the privileged recorder", e);
        }
    }

    /** The run's one recorder, starting (in the background) from the first call on. */
    private static AgentStart agentStart(ExtensionContext ctx) {
        return ctx.getRoot().getStore(NS).getOrComputeIfAbsent(AgentStart.class, k -> AgentStart.begin(), AgentStart.class);
    }

    /** The class's replay session (replayServerPerClass, or class-level base URLs): its servers outlive each test. */
    private static ReplaySession classSession(ExtensionContext classCtx, RecordTlsSettings s) throws IOException {
        ReplayServerPool pool = serverPool(classCtx); // its servers go back there when the class ends
        @SuppressWarnings("unchecked")
        Closeable<ReplaySession> c = (Closeable<ReplaySession>) classCtx.getStore(NS).getOrComputeIfAbsent("replay", k -> {
            try {
                return new Closeable<>(new ReplaySession(s.stubOptions(), pool));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return c.value();
    }

    /** The replay servers the class's tests hand on to each other; stopped when the class ends. */
    private static ReplayServerPool serverPool(ExtensionContext classCtx) {
        @SuppressWarnings("unchecked")
        Closeable<ReplayServerPool> c = (Closeable<ReplayServerPool>) classCtx.getStore(NS).getOrComputeIfAbsent(ReplayServerPool.class, k -> {
            try {
                return new Closeable<>(new ReplayServerPool());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return c.value();
    }

    /**
     * Store values JUnit closes when their context ends (JUnit 5.13 closes AutoCloseable values
     * and warns about values that are only CloseableResource; older versions need the latter).
     */
    @SuppressWarnings("deprecation")
    record Closeable<T extends AutoCloseable>(T value) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() throws Exception {
            value.close();
        }
    }
}
