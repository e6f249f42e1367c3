package io.recordtls.recorder.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * An HTTPS server on loopback with its own certificate, playing a third-party API for the demo
 * and the tests. It runs in Java (JSSE), so recording the OpenSSL clients never records it.
 *
 * <ul>
 *   <li>GET /hello: text; GET /json: JSON; GET /gzip: gzip-encoded JSON; GET /chunked: chunked text</li>
 *   <li>POST /echo: the request body back, same content type</li>
 *   <li>GET /bytes?n=N&amp;seed=S: N pseudo-random bytes ({@link #bytes(int, long)})</li>
 *   <li>GET /slow?n=N: headers and the first N/2 bytes, then waits for the client to go away</li>
 *   <li>GET /cookie: sets a session cookie; anything else: 404</li>
 * </ul>
 */
public final class DemoHttpsServer implements AutoCloseable {
    private final HttpsServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "demo-https");
        t.setDaemon(true);
        return t;
    });
    private final Path caCertificate;
    private final Path dir;
    private final SSLContext ssl;

    private DemoHttpsServer(HttpsServer server, Path caCertificate, Path dir, SSLContext ssl) {
        this.server = server;
        this.caCertificate = caCertificate;
        this.dir = dir;
        this.ssl = ssl;
    }

    /** The server's key and certificate as PKCS#12 (password {@link #KEYSTORE_PASSWORD}), for other test servers. */
    public Path keyStore() {
        return dir.resolve("server.p12");
    }

    public static final String KEYSTORE_PASSWORD = "recordtls";

    /** The server's TLS identity, for other loopback servers the same clients should trust. */
    public SSLContext sslContext() {
        return ssl;
    }

    public static DemoHttpsServer start() throws IOException {
        Path dir = Files.createTempDirectory("recordtls-demo-tls");
        Path keystore = dir.resolve("server.p12");
        Path pem = dir.resolve("ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "demo", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "7",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "recordtls", "-keypass", "recordtls");
        run(keytool, "-exportcert", "-rfc", "-alias", "demo", "-keystore", keystore.toString(),
                "-storepass", "recordtls", "-file", pem.toString());
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (FileInputStream in = new FileInputStream(keystore.toFile())) {
                ks.load(in, "recordtls".toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "recordtls".toCharArray());
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(kmf.getKeyManagers(), null, null);
            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.setHttpsConfigurator(new HttpsConfigurator(ssl));
            DemoHttpsServer demo = new DemoHttpsServer(server, pem, dir, ssl);
            server.createContext("/", demo::handle);
            server.setExecutor(demo.executor);
            server.start();
            return demo;
        } catch (Exception e) {
            throw new IOException("start demo HTTPS server", e);
        }
    }

    private static void run(String... cmd) throws IOException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** https://localhost:PORT */
    public String baseUrl() {
        return "https://localhost:" + port();
    }

    /** The PEM certificate clients must trust (curl --cacert, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS). */
    public Path caCertificate() {
        return caCertificate;
    }

    /** The body GET /bytes?n=N&amp;seed=S serves. */
    public static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static final String JSON = "{\"service\":\"demo\",\"items\":[1,2,3],\"ok\":true}";

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            Map<String, String> q = query(x.getRequestURI());
            byte[] requestBody = x.getRequestBody().readAllBytes();
            switch (path) {
                case "/hello" -> send(x, 200, "text/plain; charset=utf-8", "hello from recordtls demo\n".getBytes(StandardCharsets.UTF_8));
                case "/json" -> send(x, 200, "application/json", JSON.getBytes(StandardCharsets.UTF_8));
                case "/echo" -> {
                    String ct = x.getRequestHeaders().getFirst("Content-Type");
                    send(x, 200, ct == null ? "application/octet-stream" : ct, requestBody);
                }
                case "/gzip" -> {
                    ByteArrayOutputStream buf = new ByteArrayOutputStream();
                    try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
                        gz.write(JSON.repeat(50).getBytes(StandardCharsets.UTF_8));
                    }
                    x.getResponseHeaders().add("Content-Encoding", "gzip");
                    send(x, 200, "application/json", buf.toByteArray());
                }
                case "/gzip-zeros" -> {
                    // a gzip bomb: mib MiB of zeros, about a thousandth of that on the wire, deflated as sent
                    long zeros = Long.parseLong(q.getOrDefault("mib", "1")) << 20;
                    x.getResponseHeaders().add("Content-Type", "application/octet-stream");
                    x.getResponseHeaders().add("Content-Encoding", "gzip");
                    x.sendResponseHeaders(200, 0); // 0: chunked
                    byte[] block = new byte[1 << 20];
                    try (GZIPOutputStream gz = new GZIPOutputStream(x.getResponseBody(), 1 << 16)) {
                        for (long sent = 0; sent < zeros; sent += block.length) {
                            gz.write(block, 0, (int) Math.min(block.length, zeros - sent));
                        }
                    }
                }
                case "/chunked" -> {
                    x.getResponseHeaders().add("Content-Type", "text/plain");
                    x.sendResponseHeaders(200, 0); // 0: chunked
                    try (OutputStream out = x.getResponseBody()) {
                        for (int i = 0; i < 5; i++) {
                            out.write(("chunk " + i + "\n").getBytes(StandardCharsets.UTF_8));
                            out.flush();
                        }
                    }
                }
                case "/bytes" -> send(x, 200, "application/octet-stream",
                        bytes(Integer.parseInt(q.getOrDefault("n", "1024")), Long.parseLong(q.getOrDefault("seed", "1"))));
                case "/slow" -> {
                    int n = Integer.parseInt(q.getOrDefault("n", "100000"));
                    byte[] body = bytes(n, 7);
                    x.getResponseHeaders().add("Content-Type", "application/octet-stream");
                    x.sendResponseHeaders(200, n);
                    OutputStream out = x.getResponseBody();
                    out.write(body, 0, n / 2);
                    out.flush();
                    try {
                        Thread.sleep(30_000); // the client is killed meanwhile
                        out.write(body, n / 2, n - n / 2);
                    } catch (InterruptedException | IOException gone) {
                        // the client went away: what the test wants
                    }
                }
                case "/redirect" -> { // as an OAuth authorization server: back to the client with the query
                    x.getResponseHeaders().add("Location", "https://app.test/cb?" + x.getRequestURI().getRawQuery());
                    send(x, 302, "text/plain", new byte[0]);
                }
                case "/cookie" -> {
                    x.getResponseHeaders().add("Set-Cookie", "session=s3cr3t-session; Path=/; HttpOnly");
                    send(x, 200, "text/plain", "cookie set\n".getBytes(StandardCharsets.UTF_8));
                }
                default -> send(x, 404, "application/json", "{\"error\":\"not found\"}".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void send(HttpExchange x, int status, String contentType, byte[] body) throws IOException {
        x.getResponseHeaders().add("Content-Type", contentType);
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> q = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw != null) {
            for (String p : raw.split("&")) {
                int eq = p.indexOf('=');
                if (eq > 0) {
                    q.put(p.substring(0, eq), p.substring(eq + 1));
                }
            }
        }
        return q;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // temp files: the OS cleans up
        }
    }
}
