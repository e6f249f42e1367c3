package io.recordtls.recorder.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * git's smart HTTP over TLS on loopback: each request is handed to the real {@code git http-backend}
 * as CGI, so a git client talks to what a git server really answers. Keeps what went over each
 * request, for tests to compare with a recording byte for byte.
 */
final class GitSmartHttpServer implements AutoCloseable {
    /** One request as the server saw it: the body received, the body sent back. */
    record Exchange(String method, String uri, byte[] requestBody, int status, byte[] responseBody) {}

    private final HttpsServer server;
    private final Path projectRoot;
    final List<Exchange> exchanges = new CopyOnWriteArrayList<>();

    private GitSmartHttpServer(HttpsServer server, Path projectRoot) {
        this.server = server;
        this.projectRoot = projectRoot;
    }

    /** Serves the repositories under projectRoot (bare, as {@code name.git}) to anyone. */
    static GitSmartHttpServer start(SSLContext ssl, Path projectRoot) throws IOException {
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        https.setHttpsConfigurator(new HttpsConfigurator(ssl));
        https.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "git-smart-http");
            t.setDaemon(true);
            return t;
        }));
        GitSmartHttpServer git = new GitSmartHttpServer(https, projectRoot);
        https.createContext("/", git::handle);
        https.start();
        return git;
    }

    String baseUrl() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        byte[] requestBody = x.getRequestBody().readAllBytes();
        ProcessBuilder pb = new ProcessBuilder("git", "http-backend").redirectError(ProcessBuilder.Redirect.INHERIT);
        Map<String, String> env = pb.environment();
        env.put("GIT_PROJECT_ROOT", projectRoot.toString());
        env.put("GIT_HTTP_EXPORT_ALL", "1");
        env.put("REQUEST_METHOD", x.getRequestMethod());
        env.put("PATH_INFO", x.getRequestURI().getPath());
        env.put("QUERY_STRING", x.getRequestURI().getRawQuery() == null ? "" : x.getRequestURI().getRawQuery());
        env.put("CONTENT_LENGTH", Integer.toString(requestBody.length));
        String contentType = x.getRequestHeaders().getFirst("Content-Type");
        if (contentType != null) {
            env.put("CONTENT_TYPE", contentType);
        }
        String protocol = x.getRequestHeaders().getFirst("Git-Protocol");
        if (protocol != null) {
            env.put("GIT_PROTOCOL", protocol); // protocol v2, as a web server passes it on
        }
        env.put("REMOTE_ADDR", x.getRemoteAddress().getAddress().getHostAddress());
        Process cgi = pb.start();
        try (OutputStream in = cgi.getOutputStream()) {
            in.write(requestBody);
        }
        byte[] output;
        try (InputStream out = cgi.getInputStream()) {
            output = out.readAllBytes();
        }
        try {
            if (!cgi.waitFor(30, TimeUnit.SECONDS)) {
                cgi.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // CGI output: header lines, an empty line, the body
        int split = indexOf(output, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        int sep = 4;
        if (split < 0) {
            split = indexOf(output, "\n\n".getBytes(StandardCharsets.US_ASCII));
            sep = 2;
        }
        int status = 200;
        if (split >= 0) {
            for (String line : new String(output, 0, split, StandardCharsets.ISO_8859_1).split("\r?\n")) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Status")) {
                    status = Integer.parseInt(value.split(" ")[0]);
                } else {
                    x.getResponseHeaders().add(name, value);
                }
            }
        } else {
            status = 500;
        }
        byte[] body = split < 0 ? output : Arrays.copyOfRange(output, split + sep, output.length);
        exchanges.add(new Exchange(x.getRequestMethod(), x.getRequestURI().toString(), requestBody, status, body));
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
        x.close();
    }

    private static int indexOf(byte[] data, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= data.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (data[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() {
        server.stop(0); // the executor's threads are daemons: nothing else to release
    }
}
