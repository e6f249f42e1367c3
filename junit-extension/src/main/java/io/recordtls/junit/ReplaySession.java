package io.recordtls.junit;

import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.recordtls.har.FileTrees;
import de.sstoehr.harreader.model.HarHeader;
import io.recordtls.har.HarFile;
import io.recordtls.har.HarProblem;
import io.recordtls.har.RecordedExchange;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import io.recordtls.replayer.server.ReplayOptions;
import io.recordtls.replayer.server.ReplayServer;
import io.recordtls.replayer.server.ReplayTrailers;
import io.recordtls.replayer.server.UnmatchedRequest;
import io.recordtls.replayer.stubs.StubGenerator;
import io.recordtls.replayer.stubs.StubOptions;
import io.recordtls.replayer.stubs.StubSet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Collectors;
import java.util.Map;

/**
 * The replay servers of a test (or a class): one WireMock per recorded origin, matching what
 * was recorded for that origin. A loopback origin is served on its recorded port when that port
 * is free, so even a URL the service has hard-coded reaches the replay.
 */
final class ReplaySession implements AutoCloseable {
    private final StubOptions stubOptions;
    private final boolean forContainers;
    /** Where this session's servers come from and go back to; null: started and stopped here. */
    private final ReplayServerPool pool;
    private final Path dir;
    private final Map<Origin, ReplayServer> servers = new LinkedHashMap<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Path bundle;
    private Path trustStore;
    static final String TRUST_STORE_PASSWORD = "recordtls";

    /** A session whose servers come from the pool, and go back to it when it closes. */
    ReplaySession(StubOptions stubOptions, ReplayServerPool pool) throws IOException {
        this(stubOptions, false, pool);
    }

    /**
     * {@code forContainers}: containers reach the servers under the recorded host names (host
     * entries) and ports, so every origin is served on its recorded port, on every interface
     * (a container on a bridge network comes from the Docker host's gateway address).
     */
    ReplaySession(StubOptions stubOptions, boolean forContainers) throws IOException {
        this(stubOptions, forContainers, null);
    }

    private ReplaySession(StubOptions stubOptions, boolean forContainers, ReplayServerPool pool) throws IOException {
        this.stubOptions = stubOptions.withMatchHost(false);
        this.forContainers = forContainers;
        this.pool = pool;
        this.dir = Files.createTempDirectory("recordtls-replay-session");
    }

    /** Serves these recordings from now on (servers already running are reused). */
    void load(List<RecordedExchange> recorded) throws IOException {
        Map<Origin, List<RecordedExchange>> byOrigin = new LinkedHashMap<>();
        for (RecordedExchange x : recorded) {
            byOrigin.computeIfAbsent(Origin.of(x.url()), o -> new ArrayList<>()).add(x);
        }
        for (ReplayServer s : servers.values()) {
            s.replaceStubs(new StubSet(Map.of(), Map.of(), List.of(), List.of()));
        }
        for (var e : byOrigin.entrySet()) {
            server(e.getKey()).replaceStubs(new StubGenerator(stubOptions).generate(e.getValue(), List.of()));
        }
    }

    /** The loopback port serving a recorded https origin (what in-process clients are tunnelled to). */
    synchronized java.util.Optional<Integer> httpsPort(Origin origin) {
        ReplayServer s = origin.scheme().equals("https") ? servers.get(origin) : null;
        return s == null ? java.util.Optional.empty() : java.util.Optional.of(s.httpsPort());
    }

    /** The CA certificates (PEM) of the replay servers running now. */
    synchronized List<Path> caCertificates() {
        return servers.values().stream().map(ReplayServer::caCertificate).toList();
    }

    private synchronized ReplayServer server(Origin origin) throws IOException {
        ReplayServer s = servers.get(origin);
        if (s != null) {
            return s;
        }
        s = pool != null ? pool.take(origin) : null;
        if (s == null) {
            s = start(origin);
        }
        servers.put(origin, s);
        bundle = null; // a new CA: the bundle and the trust store are rebuilt
        trustStore = null;
        return s;
    }

    /** A new server for this origin, serving nothing yet. */
    private ReplayServer start(Origin origin) throws IOException {
        int port = forContainers || origin.loopback() && free(origin.port()) ? origin.port() : 0;
        boolean https = origin.scheme().equals("https");
        ReplayOptions options = ReplayOptions.defaults()
                .withCertificateDir(pool != null ? pool.certificateDir() : Files.createTempDirectory(dir, "ca"))
                .withPorts(https ? -1 : port, https ? port : -1).withServerNames(java.util.Set.of(origin.host()))
                .withBindAddress(forContainers ? "0.0.0.0" : "127.0.0.1");
        try {
            return ReplayServer.start(new StubSet(Map.of(), Map.of(), List.of(), List.of()), options, null);
        } catch (IOException e) {
            if (forContainers) {
                throw new IOException("containers reach " + origin + " on its recorded port " + origin.port()
                        + ", but the replay server cannot listen there (" + e.getMessage() + "): free the port,"
                        + " or for a port below 1024 run the tests with CAP_NET_BIND_SERVICE", e);
            }
            throw e;
        }
    }

    private static boolean free(int port) {
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            probe.setReuseAddress(true);
            return true;
        } catch (IOException busy) {
            return false;
        }
    }

    /** Starts the servers of these origins now (containers must trust their CAs before they start). */
    void serve(java.util.Collection<Origin> origins) throws IOException {
        for (Origin o : origins) {
            server(o);
        }
    }

    /** A stub in front of the recorded ones of this origin (its server is started if nothing was recorded for it). */
    void override(Origin origin, com.github.tomakehurst.wiremock.client.MappingBuilder stub) throws IOException {
        server(origin).override(stub);
    }

    /** A stub in front of the recorded ones of every origin replayed now. */
    synchronized void overrideAll(com.github.tomakehurst.wiremock.client.MappingBuilder stub) {
        if (servers.isEmpty()) {
            throw new IllegalStateException("nothing is replayed for this test, so there is no origin to override:"
                    + " name one with tls.stubFor(\"https://api.example.com\", stub)");
        }
        servers.values().forEach(s -> s.override(stub));
    }

    /** The replay server for an origin; one is started (with nothing recorded) for an origin never seen. */
    String baseUrl(Origin origin) throws IOException {
        ReplayServer s = server(origin);
        return origin.scheme().equals("https") ? "https://localhost:" + s.httpsPort() : "http://localhost:" + s.httpPort();
    }

    Path caBundle() throws IOException {
        if (bundle == null) {
            Path b = dir.resolve("ca-bundle-" + servers.size() + ".pem");
            environment.clear();
            environment.putAll(TrustEnvironment.trusting(b, servers.values().stream().map(ReplayServer::caCertificate).toList()));
            bundle = b;
        }
        return bundle;
    }

    /** The system's CAs and the replay servers', as a PKCS#12 trust store (for JVMs in containers). */
    synchronized Path trustStore() throws IOException {
        if (trustStore == null) {
            Path t = dir.resolve("truststore-" + servers.size() + ".p12");
            try (var out = Files.newOutputStream(t)) {
                JvmReplayRouting.trustStore(caCertificates()).store(out, TRUST_STORE_PASSWORD.toCharArray());
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException("write the replay's trust store", e);
            }
            trustStore = t;
        }
        return trustStore;
    }

    Map<String, String> environment() throws IOException {
        caBundle();
        return Map.copyOf(environment);
    }

    List<UnmatchedRequest> unmatched() {
        List<UnmatchedRequest> all = new ArrayList<>();
        servers.values().forEach(s -> all.addAll(s.unmatched()));
        return all;
    }

    List<StubMapping> unused() {
        List<StubMapping> all = new ArrayList<>();
        servers.values().forEach(s -> all.addAll(s.unusedStubs()));
        return all;
    }

    /** What the replay served, as exchanges on their original origins. */
    List<RecordedExchange> served() {
        List<RecordedExchange> out = new ArrayList<>();
        for (var e : servers.entrySet()) {
            Origin o = e.getKey();
            for (ServeEvent ev : e.getValue().served()) {
                var req = ev.getRequest();
                var res = ev.getResponse();
                URI url = URI.create(o.scheme() + "://" + o.host() + ":" + o.port() + req.getUrl());
                // the stub's trailers travel as headers through WireMock (ReplayTrailers): trailers again here
                List<HarHeader> resHeaders = new ArrayList<>(), trailers = new ArrayList<>();
                for (HarHeader h : headers(res.getHeaders())) {
                    if (h.name().equalsIgnoreCase(ReplayTrailers.HEADER)) {
                        ReplayTrailers.trailer(h.value()).ifPresent(t -> trailers.add(HarHeader.builder().name(t.getKey()).value(t.getValue()).build()));
                    } else {
                        resHeaders.add(h);
                    }
                }
                out.add(new RecordedExchange("replay", out.size(), req.getMethod().getName(), url, headers(req.getHeaders()),
                        req.getBody(), req.contentTypeHeader().isPresent() ? req.contentTypeHeader().firstValue() : null,
                        res.getStatus(), "", resHeaders, res.getBody(),
                        res.getHeaders() != null && res.getHeaders().getContentTypeHeader().isPresent()
                                ? res.getHeaders().getContentTypeHeader().firstValue() : null,
                        !ev.getWasMatched(), List.of(), trailers));
            }
        }
        return out;
    }

    private static List<HarHeader> headers(com.github.tomakehurst.wiremock.http.HttpHeaders headers) {
        List<HarHeader> out = new ArrayList<>();
        if (headers != null) {
            for (HttpHeader h : headers.all()) {
                for (String v : h.values()) {
                    out.add(HarHeader.builder().name(h.key()).value(v).build());
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (pool != null) {
            servers.forEach(pool::give);
        } else {
            servers.values().forEach(ReplayServer::close);
        }
        servers.clear();
        FileTrees.deleteQuietly(dir);
    }

    /** A recording to replay, or a clear error naming each problem. */
    static List<RecordedExchange> readRecording(Path har) throws IOException {
        HarFile.Contents contents = HarFile.read(har);
        if (!contents.problems().isEmpty()) {
            throw new ExtensionConfigurationException("the recording " + har + " cannot be replayed as is:\n  "
                    + contents.problems().stream().map(HarProblem::toString).collect(Collectors.joining("\n  ")));
        }
        return contents.exchanges();
    }
}
