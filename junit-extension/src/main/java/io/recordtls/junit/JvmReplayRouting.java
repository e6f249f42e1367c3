package io.recordtls.junit;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How Java code in the test JVM reaches the replay with no change to that code. While a class
 * that replays runs, the JVM's default {@link ProxySelector}, {@link SSLContext} and
 * HttpsURLConnection factory are this class's; while one of its tests replays, they are active:
 * trust is the system's CAs plus the replay's, and HTTPS for recorded origins and for any host
 * off this machine (named, or at a public address) goes through the {@link ReplayTunnel} (recorded origins reach their replay
 * server, anything else is refused and fails the test: replaying never reaches the network).
 * Between tests they act as the JVM's own would (system trust, the previous proxy selector).
 *
 * <p>One instance for the JVM, installed in a class's beforeAll: clients built then or later (a
 * Spring context, cached across classes, a static HttpClient) keep working through it, test after
 * test. After the class the JVM's previous defaults are put back; clients that captured these
 * objects still see them, inactive.
 */
final class JvmReplayRouting {
    private static JvmReplayRouting instance;

    private final ReplayTunnel tunnel;
    private final ReplayTrust trust = new ReplayTrust();
    private final SSLContext context;
    private final Selector selector;
    private volatile ReplaySession active;
    private ProxySelector previousSelector;
    private SSLContext previousContext;
    private SSLSocketFactory previousFactory;
    private int installed;

    private JvmReplayRouting() throws IOException {
        this.tunnel = new ReplayTunnel(o -> {
            ReplaySession s = active;
            return s == null ? Optional.empty() : s.httpsPort(o);
        });
        try {
            this.context = SSLContext.getInstance("TLS");
            context.init(jvmKeyManagers(), new TrustManager[] {trust}, null);
        } catch (GeneralSecurityException e) {
            throw new IOException("make the replay's SSLContext", e);
        }
        this.selector = new Selector();
    }

    /**
     * The client certificate the JVM's default context would present (javax.net.ssl.keyStore),
     * so that recording tests of a class that also replays keep it; null for none.
     */
    private static KeyManager[] jvmKeyManagers() throws IOException, GeneralSecurityException {
        String path = System.getProperty("javax.net.ssl.keyStore");
        if (path == null || path.isBlank() || path.equals("NONE")) {
            return null;
        }
        String password = System.getProperty("javax.net.ssl.keyStorePassword");
        char[] secret = password == null ? null : password.toCharArray();
        KeyStore store = KeyStore.getInstance(System.getProperty("javax.net.ssl.keyStoreType", KeyStore.getDefaultType()));
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            store.load(in, secret);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, secret);
        return kmf.getKeyManagers();
    }

    static synchronized JvmReplayRouting get() throws IOException {
        if (instance == null) {
            instance = new JvmReplayRouting();
        }
        return instance;
    }

    /** The JVM's defaults become ours until {@link #uninstall} (nested: a @Nested class inside a replaying one). */
    synchronized void install() throws IOException {
        if (installed > 0) {
            installed++;
            return;
        }
        SSLContext jvmDefault;
        try {
            jvmDefault = SSLContext.getDefault();
        } catch (GeneralSecurityException e) {
            throw new IOException("read the JVM's default SSLContext", e);
        }
        previousContext = jvmDefault;
        previousSelector = ProxySelector.getDefault();
        previousFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
        selector.previous = previousSelector;
        ProxySelector.setDefault(selector);
        SSLContext.setDefault(context);
        HttpsURLConnection.setDefaultSSLSocketFactory(context.getSocketFactory());
        installed = 1;
    }

    synchronized void uninstall() {
        if (installed == 0 || --installed > 0) {
            return;
        }
        ProxySelector.setDefault(previousSelector);
        SSLContext.setDefault(previousContext);
        HttpsURLConnection.setDefaultSSLSocketFactory(previousFactory);
    }

    /** A test replays from this session now: its replay servers' CAs are trusted, its origins routed. */
    synchronized void activate(ReplaySession session) throws IOException {
        // one test at a time (OneTestAtATime): one JVM-wide default never serves two
        trust.trust(session.caCertificates());
        active = session;
        tunnel.takeRefused(); // what came between tests is not this test's
    }

    /** The test is over: what it was refused, and nothing routed or trusted beyond the system's. */
    synchronized List<String> deactivate() throws IOException {
        active = null;
        trust.trust(List.of());
        return tunnel.takeRefused();
    }

    SSLContext sslContext() {
        return context;
    }

    /** What the active test was refused so far. */
    List<String> refusedSoFar() {
        return tunnel.refused();
    }

    /** The system's trusted CAs (the JDK's default trust manager) and {@code cas} (PEM files), in one key store. */
    static KeyStore trustStore(List<Path> cas) throws IOException, GeneralSecurityException {
        return trustStore(systemTrust(), cas);
    }

    private static X509ExtendedTrustManager systemTrust() throws IOException, GeneralSecurityException {
        return x509(TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()), null);
    }

    private static X509ExtendedTrustManager x509(TrustManagerFactory tmf, KeyStore store) throws IOException, GeneralSecurityException {
        tmf.init(store);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new IOException("no X.509 trust manager in this JVM");
    }

    private static KeyStore trustStore(X509ExtendedTrustManager system, List<Path> cas) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (X509Certificate c : system.getAcceptedIssuers()) {
            store.setCertificateEntry("system-" + i++, c);
        }
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        for (Path ca : cas) {
            try (InputStream in = Files.newInputStream(ca)) {
                store.setCertificateEntry("replay-" + i++, x509.generateCertificate(in));
            }
        }
        return store;
    }

    /**
     * Recorded HTTPS origins and HTTPS off this machine through the tunnel while a test replays;
     * otherwise (loopback, plain HTTP, between tests) as the JVM had it.
     */
    private final class Selector extends ProxySelector {
        private final Proxy viaTunnel = new Proxy(Proxy.Type.HTTP, tunnel.address());
        volatile ProxySelector previous;

        @Override
        public List<Proxy> select(URI uri) {
            ReplaySession s = active;
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (s != null && scheme.equals("https") && uri.getHost() != null) {
                Origin o = Origin.of(uri);
                if (s.httpsPort(o).isPresent() || !onThisMachine(o.host())) {
                    return List.of(viaTunnel);
                }
            }
            ProxySelector p = previous;
            return p != null && p != this ? p.select(uri) : List.of(Proxy.NO_PROXY);
        }

        /**
         * Hosts that stay on this machine or its containers' networks, reached directly: loopback
         * names, *.localhost, and addresses of the loopback, private and link-local ranges (a
         * container's, Docker's gateway). Names are never looked up here.
         */
        private static boolean onThisMachine(String host) {
            String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            if (h.equals("localhost") || h.endsWith(".localhost")) {
                return true;
            }
            if (!h.matches("[0-9.]+|[0-9a-f:.]+")) {
                return false;
            }
            try {
                java.net.InetAddress a = java.net.InetAddress.getByName(h); // a literal: parsed, not looked up
                return a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress()
                        || (a instanceof java.net.Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc); // fc00::/7
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            ProxySelector p = previous;
            if (p != null && p != this && !sa.equals(viaTunnel.address())) {
                p.connectFailed(uri, sa, ioe);
            }
        }
    }

    /**
     * The system's trust, plus the active replay's CAs: swapped whole, read by every handshake.
     * Each trust manager is built once: the system's when the routing is made, one per set of
     * replay CAs when a test first uses it (a class's tests hand their servers, and so their CAs,
     * on), instead of copying the system's 150 or so CAs into a new store at every test's start
     * and end.
     */
    private static final class ReplayTrust extends X509ExtendedTrustManager {
        private static final int KEPT = 8;
        private final X509ExtendedTrustManager system;
        /** By the CAs' PEM text, not their paths: a path of a closed class's server may come back. */
        private final Map<List<String>, X509ExtendedTrustManager> withReplayCas = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<List<String>, X509ExtendedTrustManager> eldest) {
                return size() > KEPT;
            }
        };
        private volatile X509ExtendedTrustManager current;

        ReplayTrust() {
            try {
                system = systemTrust();
            } catch (IOException | GeneralSecurityException e) {
                throw new UncheckedIOException(new IOException("read the JVM's trusted CAs", e));
            }
            current = system;
        }

        /** Called by one thread at a time (the routing's own lock). */
        void trust(List<Path> cas) throws IOException {
            if (cas.isEmpty()) {
                current = system;
                return;
            }
            List<String> pems = new ArrayList<>();
            for (Path ca : cas) {
                pems.add(Files.readString(ca, StandardCharsets.US_ASCII));
            }
            X509ExtendedTrustManager m = withReplayCas.get(pems);
            if (m == null) {
                try {
                    m = x509(TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()), trustStore(system, cas));
                } catch (GeneralSecurityException e) {
                    throw new IOException("trust the replay's CAs", e);
                }
                withReplayCas.put(List.copyOf(pems), m);
            }
            current = m;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            current.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            current.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            current.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            current.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            current.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            current.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return current.getAcceptedIssuers();
        }
    }
}
