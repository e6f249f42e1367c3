package io.recordtls.replayer;

import com.github.tomakehurst.wiremock.common.Json;
import io.recordtls.har.HarFile;
import io.recordtls.replayer.server.ReplayOptions;
import io.recordtls.replayer.server.ReplayServer;
import io.recordtls.replayer.stubs.StubGenerator;
import io.recordtls.replayer.stubs.StubOptions;
import io.recordtls.replayer.stubs.StubSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HAR -> stubs -> a real WireMock, asked over real HTTP. */
class StubGeneratorTest {
    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    static String har(String... entries) {
        return "{\"log\":{\"version\":\"1.2\",\"entries\":[" + String.join(",", entries) + "]}}";
    }

    static String entry(String method, String url, String requestType, String requestBody, List<String[]> requestHeaders,
                        int status, String responseBody) {
        StringBuilder h = new StringBuilder();
        for (String[] kv : requestHeaders) {
            h.append(h.isEmpty() ? "" : ",").append("{\"name\":\"").append(kv[0]).append("\",\"value\":\"").append(kv[1]).append("\"}");
        }
        String post = requestBody == null ? "" : ",\"postData\":{\"mimeType\":\"" + requestType + "\",\"text\":" + Json.write(requestBody) + "}";
        return "{\"request\":{\"method\":\"" + method + "\",\"url\":\"" + url + "\",\"headers\":[" + h + "]" + post + "},"
                + "\"response\":{\"status\":" + status + ",\"headers\":[{\"name\":\"Content-Type\",\"value\":\"text/plain\"},"
                + "{\"name\":\"Content-Length\",\"value\":\"999\"},{\"name\":\"Set-Cookie\",\"value\":\"REDACTED\"},{\"name\":\"X-Seen\",\"value\":\"yes\"}],"
                + "\"content\":{\"mimeType\":\"text/plain\",\"text\":" + Json.write(responseBody) + "}}}";
    }

    static String get(String url, int status, String body) {
        return entry("GET", url, null, null, List.of(), status, body);
    }

    StubSet stubs(StubOptions options, String harJson) throws IOException {
        HarFile.Contents c = HarFile.read(new ByteArrayInputStream(harJson.getBytes(StandardCharsets.UTF_8)), "t.har");
        return new StubGenerator(options).generate(c.exchanges(), c.problems());
    }

    HttpResponse<String> send(ReplayServer s, String method, String pathAndQuery, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.httpUrl() + pathAndQuery));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static StubOptions anyHost() {
        return StubOptions.defaults().withMatchHost(false);
    }

    @Test
    void repeatedRequestsReplayTheirResponsesInRecordedOrderThenNoMore() throws Exception {
        StubSet set = stubs(anyHost(), har(get("https://api.test/job/1", 202, "pending"), get("https://api.test/job/1", 202, "running"),
                get("https://api.test/other", 200, "x"), get("https://api.test/job/1", 200, "done")));
        try (ReplayServer s = ReplayServer.start(set, ReplayOptions.defaults(), null)) {
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = send(s, "GET", "/job/1", null, null);
                seen.add(r.statusCode() + " " + r.body());
            }
            assertThat(seen).containsExactly("202 pending", "202 running", "200 done");
            HttpResponse<String> fourth = send(s, "GET", "/job/1", null, null);
            assertThat(fourth.statusCode()).isEqualTo(404);
            assertThat(s.unmatched()).singleElement().satisfies(u -> assertThat(u.closest()).contains("/job/1"));
        }
    }

    @Test
    void repeatLastKeepsServingTheLastResponse() throws Exception {
        StubSet set = stubs(anyHost().withRepeatLast(true), har(get("https://api.test/n", 200, "1"), get("https://api.test/n", 200, "2")));
        try (ReplayServer s = ReplayServer.start(set, ReplayOptions.defaults(), null)) {
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                seen.add(send(s, "GET", "/n", null, null).body());
            }
            assertThat(seen).containsExactly("1", "2", "2", "2");
        }
    }

    @Test
    void identicalResponsesNeedNoScenario() throws IOException {
        StubSet set = stubs(anyHost(), har(get("https://api.test/same", 200, "s"), get("https://api.test/same", 200, "s")));
        assertThat(set.mappings()).hasSize(1);
        assertThat(set.mappings().values().iterator().next().getScenarioName()).isNull();
    }

    @Test
    void bodiesMatchByTypeAndResponsesLoseWhatNoLongerFits() throws Exception {
        StubSet set = stubs(anyHost(), har(
                entry("POST", "https://api.test/json", "application/json", "{\"a\":1,\"b\":[1,2]}", List.<String[]>of(new String[] {"Content-Type", "application/json"}), 200, "json ok"),
                entry("POST", "https://api.test/form", "application/x-www-form-urlencoded", "x=1&y=two", List.<String[]>of(new String[] {"Content-Type", "application/x-www-form-urlencoded"}), 200, "form ok"),
                entry("POST", "https://api.test/text", "text/plain", "exactly this", List.<String[]>of(new String[] {"Content-Type", "text/plain"}), 200, "text ok")));
        try (ReplayServer s = ReplayServer.start(set, ReplayOptions.defaults(), null)) {
            HttpResponse<String> json = send(s, "POST", "/json", "application/json", "{ \"b\": [1, 2], \"a\": 1 }");
            assertThat(json.body()).isEqualTo("json ok");
            assertThat(json.headers().firstValue("X-Seen")).hasValue("yes");
            assertThat(json.headers().firstValue("Content-Length")).as("recomputed, not the recorded 999").hasValue("7");
            assertThat(json.headers().firstValue("Set-Cookie")).as("redacted headers are not served").isEmpty();
            assertThat(send(s, "POST", "/json", "application/json", "{\"a\":2,\"b\":[1,2]}").statusCode()).isEqualTo(404);
            assertThat(send(s, "POST", "/form", "application/x-www-form-urlencoded", "y=two&x=1").body()).isEqualTo("form ok");
            assertThat(send(s, "POST", "/text", "text/plain", "exactly this").body()).isEqualTo("text ok");
            assertThat(send(s, "POST", "/text", "text/plain", "not this").statusCode()).isEqualTo(404);
            assertThat(send(s, "POST", "/text", "application/json", "exactly this").statusCode()).as("Content-Type is matched").isEqualTo(404);
        }
    }

    @Test
    void redactedValuesNeverBecomeRequirements() throws Exception {
        StubSet set = stubs(anyHost().withMatchHeaders(Set.of("Authorization")),
                har(entry("GET", "https://api.test/me", null, null, List.<String[]>of(new String[] {"Authorization", "REDACTED"}), 200, "me")));
        String json = Json.write(set.mappings().values().iterator().next());
        assertThat(json).doesNotContain("REDACTED");
        try (ReplayServer s = ReplayServer.start(set, ReplayOptions.defaults(), null)) {
            assertThat(send(s, "GET", "/me", null, null).body()).isEqualTo("me");
        }
    }

    /** A HAR from DevTools holds every credential: the stubs made of it hold none, and match whatever the client sends in their place. */
    @Test
    void credentialsOfAForeignHarAreRedactedInTheStubsAndNotRequired() throws Exception {
        String login = entry("POST", "https://api.test/login?api_key=k3y-secret&lang=en", "application/json",
                "{\"user\":\"me\",\"password\":\"pa55-secret\"}", List.<String[]>of(new String[] {"Content-Type", "application/json"},
                        new String[] {"X-Session-Token", "s3ss-secret"}), 200, "unused")
                .replace("\"content\":{\"mimeType\":\"text/plain\",\"text\":\"unused\"}",
                        "\"content\":{\"mimeType\":\"application/json\",\"text\":" + Json.write("{\"accessToken\":\"t0k3n-secret\",\"user\":\"me\"}") + "}");
        String token = entry("POST", "https://api.test/oauth/token", "application/x-www-form-urlencoded",
                "grant_type=authorization_code&code=c0de-secret&client_secret=cl1ent-secret",
                List.<String[]>of(new String[] {"Content-Type", "application/x-www-form-urlencoded"}), 200, "tok");
        String redirect = entry("GET", "https://api.test/authorize", null, null, List.of(), 302, "")
                .replace("{\"name\":\"X-Seen\",\"value\":\"yes\"}", "{\"name\":\"Location\",\"value\":\"https://app.test/cb?code=c0de2-secret&state=s1\"}");
        StubSet set = stubs(anyHost(), har(login, token, redirect));
        Path out = tmp.resolve("stubs");
        set.writeTo(out);
        assertThat(tree(out).values()).noneMatch(text -> text.contains("-secret"));
        try (ReplayServer s = ReplayServer.start(set, ReplayOptions.defaults(), null)) {
            HttpResponse<String> r = send(s, "POST", "/login?api_key=another-key&lang=en", "application/json",
                    "{\"user\":\"me\",\"password\":\"another password\"}");
            assertThat(r.body()).isEqualTo("{\"accessToken\":\"REDACTED\",\"user\":\"me\"}");
            assertThat(send(s, "POST", "/login?api_key=another-key&lang=de", "application/json",
                    "{\"user\":\"me\",\"password\":\"x\"}").statusCode()).as("what is not redacted is still matched").isEqualTo(404);
            assertThat(send(s, "POST", "/oauth/token", "application/x-www-form-urlencoded",
                    "grant_type=authorization_code&code=other&client_secret=other").body()).isEqualTo("tok");
            assertThat(send(s, "GET", "/authorize", null, null).headers().firstValue("Location")).hasValue("https://app.test/cb?code=REDACTED&state=s1");
        }
        assertThat(stubs(anyHost().withRedaction(null), har(login)).mappings().values().iterator().next().toString()).contains("k3y-secret");
    }

    @Test
    void volatileQueryAndJsonFieldsCanBeIgnored() throws Exception {
        StubSet set = stubs(anyHost().withIgnored(Set.of("ts"), List.of("meta.requestId")), har(
                get("https://api.test/search?q=cats&ts=1700000000", 200, "cats"),
                entry("POST", "https://api.test/orders", "application/json", "{\"item\":\"x\",\"meta\":{\"requestId\":\"r-1\"}}",
                        List.<String[]>of(new String[] {"Content-Type", "application/json"}), 201, "created")));
        try (ReplayServer s = ReplayServer.start(set, ReplayOptions.defaults(), null)) {
            assertThat(send(s, "GET", "/search?q=cats&ts=1800000000", null, null).body()).isEqualTo("cats");
            assertThat(send(s, "GET", "/search?q=dogs&ts=1700000000", null, null).statusCode()).isEqualTo(404);
            assertThat(send(s, "POST", "/orders", "application/json", "{\"item\":\"x\",\"meta\":{\"requestId\":\"r-2\"}}").body()).isEqualTo("created");
            assertThat(send(s, "POST", "/orders", "application/json", "{\"item\":\"y\",\"meta\":{\"requestId\":\"r-2\"}}").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aRequestWithAParameterThatWasNotRecordedDoesNotMatch() throws Exception {
        StubSet set = stubs(anyHost(), har(get("https://api.test/list", 200, "all")));
        try (ReplayServer s = ReplayServer.start(set, ReplayOptions.defaults(), null)) {
            assertThat(send(s, "GET", "/list", null, null).body()).isEqualTo("all");
            assertThat(send(s, "GET", "/list?page=2", null, null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void rerunningOnTheSameHarWritesTheSameFiles() throws Exception {
        String har = Files.readString(Path.of("src/test/resources/har/chrome-devtools.har"));
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        stubs(StubOptions.defaults(), har).writeTo(a);
        stubs(StubOptions.defaults(), har).writeTo(b);
        stubs(StubOptions.defaults(), har).writeTo(b); // again into the same place: no duplicates
        assertThat(tree(b)).isEqualTo(tree(a));
        assertThat(tree(a).keySet()).anyMatch(k -> k.matches("mappings/get-shop-example-com-443-api-cart-[0-9a-f]{8}\\.json"));
        assertThat(tree(a).keySet()).anyMatch(k -> k.startsWith("__files/get-cdn-example-com-443-img-logo-png-") && k.endsWith(".bin"));
    }

    /**
     * The CLI's conversion, an entry at a time, writes what the in-memory one writes: a request
     * repeated with the same response keeps its last stub (and that one's body file and notes),
     * one repeated with different responses becomes a scenario, across two HAR files.
     */
    @Test
    void writingAsEntriesAreReadGivesTheFilesOfTheWholeSetInMemory() throws Exception {
        String big = "b".repeat(300_000); // past the inline limit: a body file
        String truncated = "{\"request\":{\"method\":\"GET\",\"url\":\"https://api.test/same\",\"headers\":[]},"
                + "\"response\":{\"status\":200,\"headers\":[],\"content\":{\"mimeType\":\"text/plain\",\"text\":\"one\","
                + "\"_truncated\":{\"size\":100,\"kept\":3}}}}";
        String asJson = get("https://api.test/file", 200, big).replace("text/plain", "application/json");
        String first = har(get("https://api.test/once", 200, "a"), truncated, get("https://api.test/varies", 200, "v1"),
                get("https://api.test/file", 200, big), "42");
        String second = har(get("https://api.test/same", 200, "one"), get("https://api.test/varies", 500, "v2"),
                asJson, get("https://api.test/varies", 200, "v1"), get("https://api.test/gone", 0, ""));
        Path h1 = Files.writeString(tmp.resolve("1.har"), first), h2 = Files.writeString(tmp.resolve("2.har"), second);

        StubGenerator generator = new StubGenerator(anyHost());
        StubSet inMemory = generator.fromHars(List.of(h1, h2));
        inMemory.writeTo(tmp.resolve("whole"));
        StubGenerator.Written streamed = generator.writeHars(List.of(h1, h2), tmp.resolve("streamed"));

        assertThat(tree(tmp.resolve("streamed"))).isEqualTo(tree(tmp.resolve("whole")));
        assertThat(tree(tmp.resolve("whole")).keySet()).hasSize(7) // once, same, file (.json now), varies 1-3; its body file
                .anyMatch(k -> k.matches("mappings/get-varies-[0-9a-f]{8}-3\\.json"))
                .noneMatch(k -> k.matches("mappings/get-varies-[0-9a-f]{8}\\.json"))
                .anyMatch(k -> k.startsWith("__files/get-file-") && k.endsWith(".json"));
        assertThat(streamed.mappings()).isEqualTo(inMemory.mappings().size()).isEqualTo(6);
        assertThat(streamed.bodyFiles()).isEqualTo(inMemory.bodyFiles().size()).isEqualTo(1);
        assertThat(streamed.notes()).isEqualTo(inMemory.notes()).isEmpty(); // /same's last stub is whole
        assertThat(streamed.problems()).extracting(io.recordtls.har.HarProblem::entry).containsExactly(4, 4);
    }

    /**
     * Files are written straight as WireMock's JSON, not through its model: whatever a stub holds
     * (each kind of body matcher, query and form parameters, headers required and sent, repeated
     * and differently spelled header names, trailers, scenarios, notes, body files), they are the
     * bytes WireMock's own serialiser makes of the model a server in this JVM is given.
     */
    @Test
    void stubFilesAreWhatWireMockWritesOfTheSameStubs() throws Exception {
        StubOptions[] options = {StubOptions.defaults(),
                anyHost().withMatchHeaders(Set.of("Accept", "x-api-key")).withIgnored(Set.of("z", "ignored"), List.of("$.k"))
                        .withRepeatLast(true).withReencode(true),
                StubOptions.defaults().withRedaction(null)};
        for (String name : List.of("stub-features.har", "chrome-devtools.har", "mitmproxy.har")) {
            Path har = Path.of("src/test/resources/har", name);
            for (int o = 0; o < options.length; o++) {
                StubGenerator generator = new StubGenerator(options[o]);
                StubSet inMemory = generator.fromHars(List.of(har));
                Path whole = tmp.resolve(name + "-" + o + "-whole"), streamed = tmp.resolve(name + "-" + o + "-streamed");
                inMemory.writeTo(whole);
                StubGenerator.Written written = generator.writeHars(List.of(har), streamed);
                assertThat(tree(streamed)).as(name + " with options " + o).isEqualTo(tree(whole));
                assertThat(written.mappings()).isEqualTo(inMemory.mappings().size());
                assertThat(written.notes()).isEqualTo(inMemory.notes());
            }
        }
        List<String> features = new ArrayList<>(tree(tmp.resolve("stub-features.har-0-whole")).values());
        features.addAll(tree(tmp.resolve("stub-features.har-1-whole")).values());
        assertThat(features).anyMatch(f -> f.contains("\"binaryEqualTo\"")).anyMatch(f -> f.contains("\"equalToXml\""))
                .anyMatch(f -> f.contains("\"equalToJson\"")).anyMatch(f -> f.contains("\"formParameters\""))
                .anyMatch(f -> f.contains("\"queryParameters\"")).anyMatch(f -> f.contains("\"X-Recordtls-Trailer\""))
                .anyMatch(f -> f.contains("\"scenarioName\"")).anyMatch(f -> f.contains("\"bodyFileName\""))
                .anyMatch(f -> f.contains("\"truncated\"")).anyMatch(f -> f.contains("\"Accept\" : {"));
    }

    /** A link planted where stubs go is refused with a clear error, not followed, whichever thread meets it. */
    @Test
    void aSymbolicLinkWhereStubsGoIsRefusedNotFollowed() throws Exception {
        Path har = Path.of("src/test/resources/har/stub-features.har");
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        Path linkedDir = Files.createDirectories(tmp.resolve("linked-dir"));
        Files.createSymbolicLink(linkedDir.resolve("mappings"), victim);
        StubGenerator generator = new StubGenerator(StubOptions.defaults());
        assertThatThrownBy(() -> generator.writeHars(List.of(har), linkedDir))
                .isInstanceOf(IOException.class).hasMessageContaining("is a symbolic link");

        Path out = tmp.resolve("planted");
        generator.writeHars(List.of(har), out);
        Path target = Files.list(out.resolve("mappings")).sorted().findFirst().orElseThrow();
        Files.delete(target);
        Path secret = Files.writeString(victim.resolve("secret"), "unchanged");
        Files.createSymbolicLink(target, secret);
        assertThatThrownBy(() -> generator.writeHars(List.of(har), out)).isInstanceOf(IOException.class)
                .hasMessage(target + " is a symbolic link: stubs are never written through one (remove it)");
        assertThat(Files.readString(secret)).isEqualTo("unchanged");
        assertThat(Files.list(victim).toList()).containsExactly(secret);
    }

    /** What a hostile HAR puts where a name is made from (method, host, path) never chooses where a file goes. */
    @Test
    void fileNamesComeOnlyFromSafeCharactersInsideTheOutputDirectory() throws Exception {
        List<io.recordtls.har.RecordedExchange> xs = new ArrayList<>();
        String[] methods = {"/some/path", "..", "../../../../escape", "/tmp/absolute", "X".repeat(5000), "ГЕТ\u0000", "GET"};
        String[] urls = {"https://a.test/x", "https://a.test/..", "https://a.test/%2e%2e/%2e%2e/up", "https://a.test/" + "p".repeat(4000),
                "https://a.test/%D0%BF%D1%83%D1%82%D1%8C", "https://xn--e1afmkfd.test/", "https://a.test/%00"};
        for (int i = 0; i < methods.length; i++) {
            byte[] big = ("body " + i + " ").repeat(20_000).getBytes(StandardCharsets.UTF_8); // past the inline limit: a body file too
            xs.add(new io.recordtls.har.RecordedExchange("t.har", i, methods[i], URI.create(urls[i]), List.of(), new byte[0], null, 200, "OK",
                    List.of(), big, "application/octet-stream", false));
        }
        Path out = Files.createDirectories(tmp.resolve("deep/out"));
        new StubGenerator(StubOptions.defaults()).generate(xs, List.of()).writeTo(out);
        Map<String, String> written = tree(tmp);
        assertThat(written).hasSize(2 * methods.length);
        assertThat(written.keySet()).allSatisfy(f -> {
            assertThat(f).matches("deep/out/(mappings|__files)/[a-z0-9][a-z0-9-]{0,100}\\.(json|bin)");
            assertThat(f.length()).isLessThan(140);
        });
    }

    @Test
    void aTruncatedBodyIsMarkedInItsStubAndSaid() throws Exception {
        String truncated = "{\"request\":{\"method\":\"GET\",\"url\":\"https://api.test/big\",\"headers\":[]},"
                + "\"response\":{\"status\":200,\"headers\":[],\"content\":{\"mimeType\":\"text/plain\",\"text\":\"the begin\","
                + "\"_truncated\":{\"size\":100000,\"kept\":9}}}}";
        StubSet set = stubs(anyHost(), har(truncated, get("https://api.test/whole", 200, "all of it")));
        assertThat(set.notes()).singleElement().satisfies(n -> assertThat(n)
                .contains("entry 0 (GET https://api.test/big) has a truncated response body").contains("only the recorded beginning"));
        var big = set.mappings().values().stream().filter(m -> m.getRequest().getUrl().equals("/big")).findFirst().orElseThrow();
        assertThat(Json.write(big.getMetadata())).contains("\"truncated\" : [ \"response\" ]");
        var whole = set.mappings().values().stream().filter(m -> m.getRequest().getUrl().equals("/whole")).findFirst().orElseThrow();
        assertThat(Json.write(whole.getMetadata())).doesNotContain("truncated");
    }

    private static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(f).toString(), new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    /** Trailers ride in the stub as headers, but the replay never sends them as headers, over HTTP/2 or HTTP/1.1. */
    @Test
    void recordedTrailersAreInTheStubButNeverSentAsHeaders() throws Exception {
        String entry = "{\"request\":{\"method\":\"POST\",\"url\":\"https://api.example.test/quotes.Quotes/Price\",\"headers\":[]},"
                + "\"response\":{\"status\":200,\"headers\":[{\"name\":\"content-type\",\"value\":\"text/plain\"}],"
                + "\"content\":{\"mimeType\":\"text/plain\",\"text\":\"the-body\"},"
                + "\"_trailers\":[{\"name\":\"grpc-status\",\"value\":\"0\"},{\"name\":\"grpc-message\",\"value\":\"all%20fine\"}]}}";
        StubSet stubs = stubs(StubOptions.defaults(), har(entry));
        assertThat(Json.write(stubs.mappings().values().iterator().next())).contains("X-Recordtls-Trailer").contains("grpc-status: 0");
        try (ReplayServer replay = ReplayServer.start(stubs, ReplayOptions.defaults(), null)) {
            List<String> to = List.of("--cacert", replay.caCertificate().toString(), "--connect-to", "api.example.test:443:127.0.0.1:" + replay.httpsPort(),
                    "-X", "POST", "-D", "-", "https://api.example.test/quotes.Quotes/Price");
            String h2 = io.recordtls.recorder.e2e.Recording.curl(Stream.concat(Stream.of("--http2"), to.stream()).toArray(String[]::new));
            // curl does not show trailers; that they arrive, a real gRPC client checks (sample-tests' GrpcQuotesClientTest)
            assertThat(h2).startsWith("HTTP/2 200").endsWith("the-body").doesNotContainIgnoringCase("x-recordtls-trailer")
                    .doesNotContain("grpc-status");
            String h1 = io.recordtls.recorder.e2e.Recording.curl(Stream.concat(Stream.of("--http1.1"), to.stream()).toArray(String[]::new));
            assertThat(h1).startsWith("HTTP/1.1 200").endsWith("the-body").doesNotContainIgnoringCase("x-recordtls-trailer")
                    .doesNotContain("grpc-status");
        }
    }
}
