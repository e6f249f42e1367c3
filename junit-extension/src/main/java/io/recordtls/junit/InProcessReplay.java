package io.recordtls.junit;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Makes Java code in the test JVM reach the replay with no change to that code, while a test
 * replays: JVM-wide trust of the system's CAs plus the replay's ({@link SSLContext#setDefault},
 * HttpsURLConnection's default factory) and a default {@link ProxySelector} that sends HTTPS to
 * hosts off this machine through the {@link ReplayTunnel}: recorded origins reach their replay
 * server, anything else is refused and fails the test. Loopback and plain-HTTP destinations (the
 * test calling its own application, say) go direct, as before. What was there is put back on close.
 *
 * <p>Clients built before the test (a static HttpClient) keep the trust they were built with;
 * they can take {@link TlsRecording#sslContext()}. Clients that ignore the default proxy
 * selector (Apache HttpClient 5 without {@code useSystemProperties()}, Netty) must be given the
 * replay's base URL ({@link TlsRecording#baseUrl}).
 */
final class InProcessReplay implements AutoCloseable {
    private final ReplaySession session;
    private final ReplayTunnel tunnel;
    private final ProxySelector previousSelector;
    private final SSLContext previousContext;
    private final SSLSocketFactory previousFactory;
    private SSLContext context;

    InProcessReplay(ReplaySession session) throws IOException {
        this.session = session;
        this.tunnel = new ReplayTunnel(session::httpsPort);
        this.previousSelector = ProxySelector.getDefault();
        try {
            this.previousContext = SSLContext.getDefault();
        } catch (GeneralSecurityException e) {
            throw new IOException("read the JVM's default SSLContext", e);
        }
        this.previousFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
        ProxySelector.setDefault(new Selector(tunnel.address(), o -> session.httpsPort(o).isPresent(), previousSelector));
    }

    /** After the session loaded a test's recordings (new replay servers bring new CAs): trust them JVM-wide. */
    void trustReplay() throws IOException {
        try {
            context = trusting(session.caCertificates());
        } catch (GeneralSecurityException e) {
            throw new IOException("build an SSLContext trusting the replay's CAs", e);
        }
        SSLContext.setDefault(context);
        HttpsURLConnection.setDefaultSSLSocketFactory(context.getSocketFactory());
    }

    SSLContext sslContext() {
        return context;
    }

    List<String> takeRefused() {
        return tunnel.takeRefused();
    }

    /** An SSLContext trusting the system's CAs (the JDK's default trust manager) and {@code cas}. */
    static SSLContext trusting(List<Path> cas) throws IOException, GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustStore(cas));
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** The system's trusted CAs and {@code cas} (PEM files), in one key store. */
    static KeyStore trustStore(List<Path> cas) throws IOException, GeneralSecurityException {
        TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        system.init((KeyStore) null);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (var tm : system.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate c : x.getAcceptedIssuers()) {
                    store.setCertificateEntry("system-" + i++, c);
                }
            }
        }
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        for (Path ca : cas) {
            try (InputStream in = Files.newInputStream(ca)) {
                store.setCertificateEntry("replay-" + i++, x509.generateCertificate(in));
            }
        }
        return store;
    }

    @Override
    public void close() throws IOException {
        ProxySelector.setDefault(previousSelector);
        SSLContext.setDefault(previousContext);
        HttpsURLConnection.setDefaultSSLSocketFactory(previousFactory);
        tunnel.close();
    }

    /**
     * Recorded HTTPS origins and HTTPS off this machine through the tunnel (which refuses what
     * was not recorded); everything else (loopback, plain HTTP) as the JVM had it.
     */
    private static final class Selector extends ProxySelector {
        private final Proxy tunnel;
        private final Predicate<Origin> recorded;
        private final ProxySelector previous;

        Selector(InetSocketAddress tunnel, Predicate<Origin> recorded, ProxySelector previous) {
            this.tunnel = new Proxy(Proxy.Type.HTTP, tunnel);
            this.recorded = recorded;
            this.previous = previous;
        }

        @Override
        public List<Proxy> select(URI uri) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("https") && uri.getHost() != null) {
                Origin o = Origin.of(uri);
                if (recorded.test(o) || !o.loopback()) {
                    return List.of(tunnel);
                }
            }
            return previous != null ? previous.select(uri) : List.of(Proxy.NO_PROXY);
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            if (previous != null && !sa.equals(tunnel.address())) {
                previous.connectFailed(uri, sa, ioe);
            }
        }
    }
}
