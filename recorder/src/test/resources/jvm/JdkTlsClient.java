// A JVM client for the end-to-end tests, run as a single source file (java JdkTlsClient.java ...)
// by whichever JDK a test names, so Java 11 syntax only. It trusts the test server's CA (PEM).
//   JdkTlsClient httpclient h1|h2 CA BASE   GET /json, GET /bytes (1 MiB), POST /echo (300 kB)
//   JdkTlsClient urlconnection CA BASE      the same through HttpsURLConnection (SSLSocket)
//   JdkTlsClient loop CA URL COUNT PAUSE_MS [STOP_FILE]
//                                           one GET per pause, printing "ready" first and "sent I"
//                                           after each; ends early once STOP_FILE exists
//   JdkTlsClient spawn CA BASE              prints "ready", waits for a line, then runs "JdkTlsClient
//                                           httpclient h1 CA BASE" in a new JVM (-Drecordtls.test.client: this file)
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

@SuppressWarnings("deprecation") // new URL(String): still the way on Java 11
public class JdkTlsClient {
    public static void main(String[] a) throws Exception {
        String mode = a[0];
        int at = mode.equals("httpclient") ? 2 : 1;
        SSLContext ssl = trusting(a[at]);
        String base = a[at + 1];
        byte[] upload = body(300_000);
        if (mode.equals("httpclient")) {
            HttpClient client = HttpClient.newBuilder().sslContext(ssl)
                    .version(a[1].equals("h2") ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1).build();
            print("json", client.send(HttpRequest.newBuilder(URI.create(base + "/json")).build(), HttpResponse.BodyHandlers.ofByteArray()).body());
            print("bytes", client.send(HttpRequest.newBuilder(URI.create(base + "/bytes?n=1048576&seed=5")).build(), HttpResponse.BodyHandlers.ofByteArray()).body());
            print("echo", client.send(HttpRequest.newBuilder(URI.create(base + "/echo")).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofByteArray()).body());
        } else if (mode.equals("urlconnection")) {
            print("json", get(ssl, base + "/json"));
            print("bytes", get(ssl, base + "/bytes?n=1048576&seed=5"));
            HttpsURLConnection c = (HttpsURLConnection) new URL(base + "/echo").openConnection();
            c.setSSLSocketFactory(ssl.getSocketFactory());
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/octet-stream");
            try (OutputStream out = c.getOutputStream()) {
                out.write(upload);
            }
            print("echo", read(c.getInputStream()));
        } else if (mode.equals("loop")) {
            HttpClient client = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build();
            System.out.println("ready");
            System.out.flush();
            java.io.File stop = a.length > 5 ? new java.io.File(a[5]) : null;
            for (int i = 0; i < Integer.parseInt(a[3]) && (stop == null || !stop.exists()); i++) {
                Thread.sleep(Long.parseLong(a[4]));
                client.send(HttpRequest.newBuilder(URI.create(base + "?i=" + i)).build(), HttpResponse.BodyHandlers.ofByteArray());
                System.out.println("sent " + i);
                System.out.flush();
            }
        } else if (mode.equals("spawn")) {
            System.out.println("ready");
            System.out.flush();
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process child = new ProcessBuilder(java, System.getProperty("recordtls.test.client"), "httpclient", "h1", a[1], base)
                    .inheritIO().start();
            System.exit(child.waitFor());
        } else {
            throw new IllegalArgumentException("mode " + mode);
        }
    }

    static SSLContext trusting(String caPem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = new FileInputStream(caPem)) {
            ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    /** The body the tests expect echoed: 0, 1, ... 250, 0, 1, ... (binary, not UTF-8). */
    static byte[] body(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    static byte[] get(SSLContext ssl, String url) throws Exception {
        HttpsURLConnection c = (HttpsURLConnection) new URL(url).openConnection();
        c.setSSLSocketFactory(ssl.getSocketFactory());
        return read(c.getInputStream());
    }

    static byte[] read(InputStream in) throws Exception {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    static void print(String what, byte[] body) throws Exception {
        StringBuilder hex = new StringBuilder();
        for (byte b : MessageDigest.getInstance("SHA-256").digest(body)) {
            hex.append(String.format("%02x", b));
        }
        System.out.println(what + " " + body.length + " " + hex);
    }
}
