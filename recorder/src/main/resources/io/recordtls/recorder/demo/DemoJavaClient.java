// The demo's Java client (recordtls demo runs it from source): the JDK's HttpClient over TLS,
// trusting the demo server's CA. Java's TLS never calls OpenSSL: the JVM probe records it.
//   java DemoJavaClient.java BASE CA_PEM
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class DemoJavaClient {
    public static void main(String[] a) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (FileInputStream in = new FileInputStream(a[1])) {
            trust.setCertificateEntry("demo", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(ssl).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(a[0] + "/json?from=java")).build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println(r.statusCode() + " " + r.body());
    }
}
