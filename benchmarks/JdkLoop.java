// Per-request cost of a JVM client for benchmarks/run.sh: keep-alive GETs over JSSE, timed after
// a warm-up (JIT), printed in ms per request. Trusts the CA given (PEM).
//   java JdkLoop.java httpclient|urlconnection URL CA N
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class JdkLoop {
    public static void main(String[] a) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = new FileInputStream(a[2])) {
            ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        URI uri = URI.create(a[1]);
        int n = Integer.parseInt(a[3]);
        Runnable get;
        if (a[0].equals("httpclient")) {
            HttpClient client = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest req = HttpRequest.newBuilder(uri).build();
            get = () -> {
                try {
                    client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            };
        } else {
            get = () -> {
                try {
                    HttpsURLConnection c = (HttpsURLConnection) uri.toURL().openConnection();
                    c.setSSLSocketFactory(ssl.getSocketFactory());
                    try (InputStream in = c.getInputStream()) {
                        in.readAllBytes();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            };
        }
        for (int i = 0; i < 2000; i++) {
            get.run(); // JIT warm-up, connection set up
        }
        long t = System.nanoTime();
        for (int i = 0; i < n; i++) {
            get.run();
        }
        System.out.printf("%.3f%n", (System.nanoTime() - t) / 1e6 / n);
    }
}
