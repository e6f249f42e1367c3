package io.recordtls.replayer.stubs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.github.luben.zstd.Zstd;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.recordtls.har.BodyText;
import io.recordtls.har.ContentDecoder;
import io.recordtls.har.QueryString;
import io.recordtls.har.Redactor;
import io.recordtls.har.HarFile;
import io.recordtls.har.HarProblem;
import de.sstoehr.harreader.model.HarHeader;
import io.recordtls.har.RecordedExchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Turns recorded exchanges into WireMock stubs, built with WireMock's own API. A request
 * recorded several times with different responses replays them in recorded order (a scenario
 * per request); identical responses collapse into one stub.
 */
public final class StubGenerator {
    /** Headers that describe the connection or the encoding of the recorded bytes, not the response. */
    private static final Set<String> NOT_REPLAYED = Set.of("connection", "keep-alive", "transfer-encoding", "te", "trailer",
            "upgrade", "proxy-connection", "proxy-authenticate", "content-length", "content-encoding", "alt-svc");
    private static final String IGNORE = "${json-unit.ignore}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StubOptions options;

    public StubGenerator(StubOptions options) {
        this.options = options;
    }

    /** Reads the HAR files (problems are collected, valid entries kept) and makes the stubs. */
    public StubSet fromHars(List<Path> hars) throws IOException {
        List<RecordedExchange> all = new ArrayList<>();
        List<HarProblem> problems = new ArrayList<>();
        for (Path har : hars) {
            HarFile.Contents c = HarFile.read(har);
            all.addAll(c.exchanges());
            problems.addAll(c.problems());
        }
        return generate(all, problems);
    }

    public StubSet generate(List<RecordedExchange> exchanges, List<HarProblem> problems) {
        // Group identical requests, in recorded order.
        Map<String, List<RecordedExchange>> byRequest = new LinkedHashMap<>();
        for (RecordedExchange x : exchanges) {
            byRequest.computeIfAbsent(requestKey(x), k -> new ArrayList<>()).add(x);
        }
        Map<String, StubMapping> mappings = new TreeMap<>();
        Map<String, byte[]> files = new TreeMap<>();
        List<String> notes = new ArrayList<>();
        for (var group : byRequest.entrySet()) {
            String key = group.getKey();
            List<RecordedExchange> recorded = collapseIdenticalResponses(group.getValue());
            String base = baseName(recorded.get(0), key);
            String scenario = recorded.size() > 1 ? "recordtls " + base : null;
            for (int i = 0; i < recorded.size(); i++) {
                RecordedExchange x = recorded.get(i);
                String name = recorded.size() > 1 ? base + "-" + (i + 1) : base;
                MappingBuilder m = request(x).withId(UUID.nameUUIDFromBytes((key + "#" + i).getBytes(StandardCharsets.UTF_8)))
                        .withName(x.method() + " " + x.url() + (recorded.size() > 1 ? " (" + (i + 1) + " of " + recorded.size() + ")" : ""))
                        .willReturn(response(x, name, files))
                        .withMetadata(Map.of("recordtls", Map.of("har", x.source(), "entry", x.index())));
                if (scenario != null) {
                    String state = i == 0 ? Scenario.STARTED : "response " + (i + 1);
                    boolean last = i == recorded.size() - 1;
                    var sm = m.inScenario(scenario).whenScenarioStateIs(state);
                    if (!last) {
                        sm.willSetStateTo("response " + (i + 2));
                    } else if (!options.repeatLast()) {
                        sm.willSetStateTo("all " + recorded.size() + " recorded responses served");
                    }
                    m = sm;
                }
                if (x.incomplete()) {
                    notes.add(x.source() + ": entry " + x.index() + " (" + x.method() + " " + x.url()
                            + ") was recorded incomplete: its stub serves what was captured");
                }
                mappings.put(name + ".json", m.build());
            }
        }
        return new StubSet(mappings, files, List.copyOf(problems), notes);
    }

    /** A request always answered the same way needs no scenario: one stub serves every repeat. */
    private static List<RecordedExchange> collapseIdenticalResponses(List<RecordedExchange> xs) {
        return xs.stream().allMatch(x -> sameResponse(xs.get(0), x)) ? List.of(xs.get(xs.size() - 1)) : xs;
    }

    private static boolean sameResponse(RecordedExchange a, RecordedExchange b) {
        return a.status() == b.status() && Arrays.equals(a.responseBody(), b.responseBody());
    }

    private MappingBuilder request(RecordedExchange x) {
        String path = x.url().getRawPath().isEmpty() ? "/" : x.url().getRawPath();
        Map<String, List<String>> query = query(x);
        MappingBuilder m;
        if (query.keySet().stream().noneMatch(options.ignoreQuery()::contains)) {
            // The whole URL: a request with a parameter that was not recorded is not this one.
            m = WireMock.request(x.method(), WireMock.urlEqualTo(path + (x.url().getRawQuery() == null ? "" : "?" + x.url().getRawQuery())));
        } else {
            m = WireMock.request(x.method(), WireMock.urlPathEqualTo(path));
            for (var q : query.entrySet()) {
                if (!options.ignoreQuery().contains(q.getKey())) {
                    m.withQueryParam(q.getKey(), WireMock.havingExactly(q.getValue().toArray(String[]::new)));
                }
            }
        }
        if (options.matchHost()) {
            m.withHost(WireMock.equalTo(x.url().getHost())).withPort(x.port());
        }
        for (String h : options.matchHeaders()) {
            String v = x.requestHeader(h);
            if (v != null && !v.equals(Redactor.MASK)) { // a redacted value is no requirement
                m.withHeader(h, WireMock.equalTo(v));
            }
        }
        byte[] body = x.requestBody();
        if (body.length > 0) {
            String type = x.requestContentType() == null ? "" : BodyText.mediaType(x.requestContentType());
            BodyText text = BodyText.of(body, x.requestContentType());
            if (text.encoding() != null) {
                m.withRequestBody(WireMock.binaryEqualTo(body));
            } else if (type.endsWith("json") && json(text.text()) != null) {
                m.withRequestBody(WireMock.equalToJson(withIgnoredFields(json(text.text())), false, false));
            } else if (type.endsWith("xml")) {
                m.withRequestBody(WireMock.equalToXml(text.text()));
            } else if (type.equals("application/x-www-form-urlencoded")) {
                for (var p : pairs(text.text()).entrySet()) {
                    m.withFormParam(p.getKey(), WireMock.havingExactly(p.getValue().toArray(String[]::new)));
                }
            } else {
                m.withRequestBody(WireMock.equalTo(text.text()));
            }
        }
        return m;
    }

    private ResponseDefinitionBuilder response(RecordedExchange x, String name, Map<String, byte[]> files) {
        ResponseDefinitionBuilder r = WireMock.aResponse().withStatus(x.status());
        if (!x.statusText().isBlank()) {
            r.withStatusMessage(x.statusText());
        }
        String encoding = x.responseHeader("Content-Encoding");
        byte[] body = x.responseBody();
        boolean reencoded = false;
        if (options.reencode() && encoding != null && !encoding.isBlank()) {
            byte[] encoded = encode(body, encoding);
            if (encoded != null) {
                body = encoded;
                reencoded = true;
            }
        }
        for (HarHeader h : x.responseHeaders()) {
            String n = h.name().toLowerCase(Locale.ROOT);
            if (h.value().equals(Redactor.MASK) || (NOT_REPLAYED.contains(n) && !(reencoded && n.equals("content-encoding")))) {
                continue;
            }
            r.withHeader(h.name(), h.value());
        }
        if (body.length == 0) {
            return r;
        }
        BodyText text = BodyText.of(body, reencoded ? null : x.responseContentType());
        if (text.encoding() == null && body.length <= options.inlineLimit()) {
            return r.withBody(text.text());
        }
        String file = name + extension(x.responseContentType(), text.encoding() == null);
        files.put(file, body);
        return r.withBodyFile(file);
    }

    /** The body as its recorded Content-Encoding would send it, or null when we cannot produce it. */
    private static byte[] encode(byte[] body, String contentEncoding) {
        try {
            String coding = contentEncoding.trim().toLowerCase(Locale.ROOT);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            switch (coding) {
                case "gzip", "x-gzip" -> {
                    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                        gz.write(body);
                    }
                }
                case "deflate" -> {
                    try (DeflaterOutputStream d = new DeflaterOutputStream(out)) {
                        d.write(body);
                    }
                }
                case "zstd" -> out.write(Zstd.compress(body));
                default -> {
                    return null; // br: no encoder on the JVM here; served decoded
                }
            }
            byte[] encoded = out.toByteArray();
            return Arrays.equals(ContentDecoder.decode(encoded, coding).bytes(), body) ? encoded : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String extension(String contentType, boolean text) {
        String t = contentType == null ? "" : BodyText.mediaType(contentType);
        if (t.endsWith("json")) {
            return ".json";
        }
        if (t.endsWith("xml")) {
            return ".xml";
        }
        if (t.equals("text/html")) {
            return ".html";
        }
        return text ? ".txt" : ".bin";
    }

    /** What makes two requests the same for replay: everything a stub matches on. */
    private String requestKey(RecordedExchange x) {
        StringBuilder k = new StringBuilder(x.method()).append(' ');
        if (options.matchHost()) {
            k.append(x.url().getHost().toLowerCase(Locale.ROOT)).append(':').append(x.port());
        }
        k.append(x.url().getRawPath()).append('?');
        query(x).forEach((n, v) -> {
            if (!options.ignoreQuery().contains(n)) {
                k.append(n).append('=').append(v).append('&');
            }
        });
        options.matchHeaders().stream().sorted().forEach(h -> k.append('\n').append(h.toLowerCase(Locale.ROOT)).append(':')
                .append(x.requestHeader(h) == null || Redactor.MASK.equals(x.requestHeader(h)) ? "" : x.requestHeader(h)));
        k.append('\n');
        JsonNode json = x.requestContentType() != null && BodyText.mediaType(x.requestContentType()).endsWith("json")
                ? json(new String(x.requestBody(), StandardCharsets.UTF_8)) : null;
        k.append(json != null ? withIgnoredFields(json) : HexFormat.of().formatHex(sha256(x.requestBody())));
        return k.toString();
    }

    /** method-host-port-path-hash: readable, and stable for the same request. */
    private String baseName(RecordedExchange x, String key) {
        String path = x.url().getRawPath().replaceAll("[^A-Za-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
        String host = options.matchHost() ? x.url().getHost().replaceAll("[^A-Za-z0-9]+", "-") + "-" + x.port() + "-" : "";
        String readable = (x.method().toLowerCase(Locale.ROOT) + "-" + host + (path.isEmpty() ? "root" : path));
        if (readable.length() > 80) {
            readable = readable.substring(0, 80);
        }
        return readable + "-" + HexFormat.of().formatHex(sha256(key.getBytes(StandardCharsets.UTF_8))).substring(0, 8);
    }

    private static Map<String, List<String>> query(RecordedExchange x) {
        String raw = x.url().getRawQuery();
        return raw == null ? Map.of() : pairs(raw);
    }

    /** Values by name, names sorted: the order of parameters does not make requests different. */
    private static Map<String, List<String>> pairs(String s) {
        Map<String, List<String>> out = new TreeMap<>();
        for (Map.Entry<String, String> kv : QueryString.parse(s)) {
            out.computeIfAbsent(kv.getKey(), k -> new ArrayList<>()).add(kv.getValue());
        }
        return out;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    /** The JSON body with each ignored field's value replaced by WireMock's "ignore" placeholder. */
    private String withIgnoredFields(JsonNode body) {
        JsonNode copy = body.deepCopy();
        for (String path : options.ignoreJson()) {
            String[] parts = path.replaceFirst("^\\$\\.", "").split("\\.");
            JsonNode node = copy;
            for (int i = 0; i < parts.length - 1 && node != null; i++) {
                node = node.get(parts[i]);
            }
            if (node instanceof ObjectNode o && o.has(parts[parts.length - 1])) {
                o.set(parts[parts.length - 1], TextNode.valueOf(IGNORE));
            }
        }
        return copy.toString();
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
