package io.recordtls.replayer.server;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.common.Notifier;
import com.github.tomakehurst.wiremock.verification.diff.PlainTextDiffRenderer;
import com.github.tomakehurst.wiremock.common.Json;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.Response;
import com.github.tomakehurst.wiremock.matching.StringValuePattern;
import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.github.tomakehurst.wiremock.verification.NearMiss;
import io.recordtls.replayer.stubs.StubSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * WireMock serving recorded stubs over HTTP and HTTPS (a certificate for every recorded host,
 * signed by a generated CA). Requests nothing matches are answered 404 with WireMock's report of
 * the closest stub, counted, and passed to a listener.
 */
public final class ReplayServer implements AutoCloseable {
    private final WireMockServer server;
    private final ReplayCertificates certificates;
    private final Path tempDir;
    private final Path root;
    private final List<UnmatchedRequest> unmatched = Collections.synchronizedList(new ArrayList<>());
    /** All of them, kept or not: without {@link ReplayOptions#keepServed} only the first are kept. */
    private final java.util.concurrent.atomic.AtomicLong unmatchedCount = new java.util.concurrent.atomic.AtomicLong();
    /** What a server without a journal keeps of its unmatched requests (the listener sees each). */
    private static final int UNMATCHED_KEPT_WITHOUT_JOURNAL = 100;
    /** The stubs of {@link #override}: not recordings, never reported unused. */
    private final Set<UUID> overrides;
    private final UsedStubs used;
    private final boolean keepsServed;

    private final ServedStubs defaults;

    private ReplayServer(WireMockServer server, ServedStubs defaults, UsedStubs used, boolean keepsServed,
                         ReplayCertificates certificates, Path tempDir, Path root) {
        this.server = server;
        this.keepsServed = keepsServed;
        this.used = used;
        this.overrides = used.overrides;
        this.defaults = defaults;
        this.certificates = certificates;
        this.tempDir = tempDir;
        this.root = root;
    }

    /**
     * Serves another stub set from now on: stubs, scenarios and the request journal start over.
     * For servers started from a {@link StubSet} (their body files live in a directory of their own).
     */
    public void replaceStubs(StubSet stubs) throws IOException {
        if (tempDir == null) {
            throw new IllegalStateException("a server started on a stub directory serves that directory");
        }
        new StubSet(java.util.Map.of(), stubs.bodyFiles(), List.of(), List.of()).writeTo(root);
        defaults.replaceWith(List.copyOf(stubs.mappings().values()));
        server.resetAll(); // loads the defaults
        unmatched.clear();
        unmatchedCount.set(0);
        overrides.clear();
        used.clear();
    }

    /**
     * Serves this stub, written with WireMock's DSL, in front of the recorded ones until the stubs
     * are replaced: at priority 1 unless it names its own (recorded stubs have WireMock's default, 5).
     */
    public StubMapping override(com.github.tomakehurst.wiremock.client.MappingBuilder stub) {
        StubMapping m = stub.build();
        if (m.getPriority() == null) {
            m.setPriority(1);
        }
        overrides.add(m.getId());
        server.addStubMapping(m);
        return m;
    }

    /** Every request served so far, oldest first, with what was answered (none unless {@link ReplayOptions#keepServed}). */
    public List<ServeEvent> served() {
        if (!keepsServed) {
            return List.of(); // WireMock would throw: its journal is disabled
        }
        List<ServeEvent> events = new ArrayList<>(server.getAllServeEvents());
        Collections.reverse(events); // WireMock keeps the newest first
        return events;
    }

    /** Serves stubs made in memory (their body files go to a temporary directory). */
    public static ReplayServer start(StubSet stubs, ReplayOptions options, Consumer<UnmatchedRequest> onUnmatched) throws IOException {
        Path root = Files.createTempDirectory("recordtls-replay");
        new StubSet(java.util.Map.of(), stubs.bodyFiles(), List.of(), List.of()).writeTo(root);
        return start(root, List.copyOf(stubs.mappings().values()), options, onUnmatched, root);
    }

    /** Serves a directory in WireMock's layout (mappings/, __files/), as {@code recordtls stubs} writes it. */
    public static ReplayServer start(Path dir, ReplayOptions options, Consumer<UnmatchedRequest> onUnmatched) throws IOException {
        if (!Files.isDirectory(dir.resolve("mappings"))) {
            throw new IOException(dir + " has no mappings/ directory: make one with 'recordtls stubs FILE.har -o " + dir + "'");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir.resolve("mappings"))) {
            files = walk.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        // parsed on every core: WireMock's parsing is most of a big recording's start (10k stubs: about 2 s on one)
        StubMapping[] parsed = new StubMapping[files.size()];
        try {
            java.util.stream.IntStream.range(0, parsed.length).parallel().forEach(i -> parsed[i] = stubMapping(files.get(i)));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        List<StubMapping> stubs = List.of(parsed);
        return start(dir, stubs, options, onUnmatched, null);
    }

    private static StubMapping stubMapping(Path f) {
        try {
            return Json.read(Files.readString(f), StubMapping.class);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new java.io.UncheckedIOException(new IOException(f + " is not a WireMock stub mapping: " + e.getMessage(), e));
        }
    }

    private static ReplayServer start(Path root, List<StubMapping> stubs, ReplayOptions options,
                                      Consumer<UnmatchedRequest> onUnmatched, Path tempDir) throws IOException {
        Set<String> hosts = new LinkedHashSet<>(options.serverNames());
        for (StubMapping m : stubs) {
            StringValuePattern host = m.getRequest().getHost();
            if (host != null && host.getExpected() != null) {
                hosts.add(host.getExpected());
            }
        }
        Path certDir = options.certificateDir() != null ? options.certificateDir()
                : (tempDir != null ? tempDir : Files.createTempDirectory("recordtls-replay-tls"));
        ReplayCertificates certs = ReplayCertificates.create(hosts, certDir);
        WireMockConfiguration cfg = new InMemoryKeysConfiguration(certs.keys())
                .bindAddress(options.bindAddress())
                .usingFilesUnderDirectory(root.toString())
                .notifier(new SilentNotifier())
                // WireMock formats each request and its response definition (the body as JSON) for
                // the notifier, which drops it: work on every request, and Jackson's serializers on the first
                .stubRequestLoggingDisabled(true)
                .httpClientFactory(new LazyProxyClientFactory())
                .httpServerFactory(ReplayTrailers.serverFactory())
                // recorded responses had a length; WireMock would otherwise send chunked bodies
                .useChunkedTransferEncoding(com.github.tomakehurst.wiremock.core.Options.ChunkedEncodingPolicy.NEVER);
        if (options.httpPort() < 0) {
            cfg.httpDisabled(true);
        } else {
            cfg.port(options.httpPort());
        }
        cfg.httpsPort(options.httpsPort() < 0 ? -1 : options.httpsPort());
        cfg.withStores(new IndexedStubMappingStore.Stores(cfg.filesRoot()));
        ServedStubs defaults = new ServedStubs(stubs);
        cfg.mappingSource(defaults);
        if (!options.keepServed()) {
            cfg.disableRequestJournal();
        }
        UsedStubs used = new UsedStubs();
        cfg.extensions(used);
        WireMockServer wm = new WireMockServer(cfg);
        ReplayServer replay = new ReplayServer(wm, defaults, used, options.keepServed(), certs, tempDir, root);
        wm.addMockServiceRequestListener((request, response) -> replay.onServed(request, response, onUnmatched));
        try {
            wm.start();
        } catch (RuntimeException e) {
            throw new IOException("start the replay server on " + options.bindAddress() + ": " + e.getMessage(), e);
        }
        return replay;
    }

    private void onServed(Request request, Response response, Consumer<UnmatchedRequest> onUnmatched) {
        if (response.wasConfigured()) {
            return;
        }
        String closest = null, diff = null;
        try {
            List<NearMiss> misses = server.findTopNearMissesFor(LoggedRequest.createFrom(request)).getNearMisses();
            if (!misses.isEmpty() && misses.get(0).getStubMapping() != null) {
                NearMiss m = misses.get(0);
                closest = m.getStubMapping().getName() != null ? m.getStubMapping().getName() : m.getStubMapping().getRequest().toString();
                diff = new PlainTextDiffRenderer(java.util.Map.of(), 100).render(m.getDiff()).strip();
            }
        } catch (RuntimeException e) {
            diff = "(no near-miss report: " + e.getMessage() + ")";
        }
        UnmatchedRequest u = new UnmatchedRequest(request.getMethod().getName(), request.getAbsoluteUrl(), closest, diff);
        if (unmatchedCount.incrementAndGet() <= UNMATCHED_KEPT_WITHOUT_JOURNAL || keepsServed) {
            unmatched.add(u); // bounded where the server runs until stopped
        }
        if (onUnmatched != null) {
            onUnmatched.accept(u);
        }
    }

    /** WireMock's console output would repeat what {@link UnmatchedRequest} reports, and more. */
    private static final class SilentNotifier implements Notifier {
        @Override
        public void info(String message) {}

        @Override
        public void error(String message) {}

        @Override
        public void error(String message, Throwable t) {}
    }

    public int httpPort() {
        return server.isHttpEnabled() ? server.port() : -1;
    }

    /** -1 when HTTPS is off. */
    public int httpsPort() {
        return server.getOptions().httpsSettings().enabled() ? server.httpsPort() : -1;
    }

    public String httpUrl() {
        return server.isHttpEnabled() ? "http://" + host() + ":" + server.port() : null;
    }

    public String httpsUrl() {
        return "https://" + host() + ":" + server.httpsPort();
    }

    private String host() {
        String bind = server.getOptions().bindAddress();
        return bind.equals("0.0.0.0") ? "127.0.0.1" : bind.contains(":") ? "[" + bind + "]" : bind;
    }

    /** The CA certificate (PEM) that clients must trust for HTTPS. */
    public Path caCertificate() {
        return certificates.caPem();
    }

    public int stubCount() {
        return server.getStubMappings().size();
    }

    /** Requests that matched no stub, oldest first: without {@link ReplayOptions#keepServed}, only the first 100. */
    public List<UnmatchedRequest> unmatched() {
        return List.copyOf(unmatched);
    }

    /** How many requests matched no stub: all of them, where {@link #unmatched} may hold only the first. */
    public long unmatchedCount() {
        return unmatchedCount.get();
    }

    /**
     * Recorded stubs no request has used so far. A request an {@link #override} answered uses the
     * recorded stubs it matches too: the override stood in for them.
     */
    public List<StubMapping> unusedStubs() {
        Set<UUID> seen = new HashSet<>(overrides);
        seen.addAll(used.ids);
        List<StubMapping> all = server.getStubMappings();
        List<LoggedRequest> overridden;
        synchronized (used.overridden) {
            overridden = List.copyOf(used.overridden);
        }
        for (LoggedRequest r : overridden) {
            for (StubMapping m : all) {
                if (m.getRequest().match(r).isExactMatch()) {
                    seen.add(m.getId());
                }
            }
        }
        return all.stream().filter(m -> !seen.contains(m.getId())).toList();
    }

    /**
     * Which stubs requests were answered by, seen as each is matched: WireMock's journal would say
     * too, but a server that runs until stopped keeps no journal. A few bytes per stub; the
     * requests an override answered are kept (overrides are a test's, and few), to find the
     * recorded stubs they stood in for.
     */
    private static final class UsedStubs implements ServeEventListener {
        final Set<UUID> overrides = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final Set<UUID> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final List<LoggedRequest> overridden = new ArrayList<>();

        @Override
        public void afterMatch(ServeEvent e, Parameters parameters) {
            StubMapping stub = e.getStubMapping();
            if (stub == null || !e.getWasMatched()) {
                return;
            }
            ids.add(stub.getId());
            if (overrides.contains(stub.getId())) {
                synchronized (overridden) {
                    overridden.add(e.getRequest());
                }
            }
        }

        void clear() {
            ids.clear();
            synchronized (overridden) {
                overridden.clear();
            }
        }

        @Override
        public String getName() {
            return "recordtls-used-stubs";
        }
    }

    /** Idempotent. */
    @Override
    public void close() {
        if (server.isRunning()) {
            server.stop();
        }
        if (tempDir != null) {
            io.recordtls.har.FileTrees.deleteQuietly(tempDir);
        }
    }
}
