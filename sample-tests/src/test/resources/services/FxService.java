// A Java service for the container sample (ContainerizedFxServiceTest), run from source by the
// JDK in its container. At start it reads its configuration from the rates API; then it serves
// GET /convert?amount=A&from=X&to=Y over plain HTTP on $PORT, asking the rates API each time.
// It trusts what the JVM trusts (javax.net.ssl.trustStore, as a service deployed with its own
// trust store has it), and calls $RATES_API by name.
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class FxService {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String API = System.getenv("RATES_API");

    public static void main(String[] args) throws Exception {
        String config = get("/v1/config");
        String precision = field(config, "precision");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))), 16);
        server.createContext("/convert", x -> {
            Map<String, String> q = new HashMap<>();
            for (String kv : x.getRequestURI().getQuery().split("&")) {
                String[] p = kv.split("=", 2);
                q.put(p[0], p[1]);
            }
            byte[] body;
            int status = 200;
            try {
                double rate = Double.parseDouble(field(get("/v1/rates?from=" + q.get("from") + "&to=" + q.get("to")), "rate"));
                body = String.format(Locale.ROOT, "%s %s = %." + precision + "f %s", q.get("amount"), q.get("from"),
                        Double.parseDouble(q.get("amount")) * rate, q.get("to")).getBytes(StandardCharsets.UTF_8);
            } catch (Exception e) {
                status = 502;
                body = ("rates API: " + e).getBytes(StandardCharsets.UTF_8);
            }
            x.sendResponseHeaders(status, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("fx service ready");
    }

    static String get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(API + path))
                .header("Authorization", "Bearer " + System.getenv("RATES_TOKEN")).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"?([0-9.A-Za-z]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(1);
    }
}
