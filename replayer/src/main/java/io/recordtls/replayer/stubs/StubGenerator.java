package io.recordtls.replayer.stubs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.github.luben.zstd.Zstd;
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
import io.recordtls.replayer.server.ReplayTrailers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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

    /** Reads the HAR files (problems are collected, valid entries kept) and makes the stubs, in memory. */
    public StubSet fromHars(List<Path> hars) throws IOException {
        List<RecordedExchange> all = new ArrayList<>();
        List<HarProblem> problems = new ArrayList<>();
        for (Path har : hars) {
            problems.addAll(HarFile.read(har, all::add));
        }
        return generate(all, problems);
    }

    public StubSet generate(List<RecordedExchange> exchanges, List<HarProblem> problems) {
        Plan plan = new Plan();
        Redactor planning = redactor(), redactor = redactor();
        exchanges.forEach(x -> plan.add(planning.exchange(x)));
        plan.finish();
        Map<String, StubMapping> mappings = new TreeMap<>();
        Map<String, byte[]> files = new TreeMap<>();
        List<String> notes = new ArrayList<>();
        Sink sink = new Sink() {
            @Override
            public void mapping(String file, StubDraft stub) {
                mappings.put(file, stub.toStubMapping());
            }

            @Override
            public void bodyFile(String file, byte[] bytes) {
                files.put(file, bytes);
            }
        };
        try {
            for (int i = 0; i < exchanges.size(); i++) {
                Slot slot = plan.slot(i);
                if (slot != null) {
                    stub(slot, redactor.exchange(exchanges.get(i)), sink, notes);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the sink above does no I/O
        }
        return new StubSet(mappings, files, List.copyOf(problems), notes);
    }

    /**
     * What {@link #writeHars} did: how many files it wrote, what was wrong, what to know, and what
     * was redacted (by name or path, how often).
     */
    public record Written(int mappings, int bodyFiles, List<HarProblem> problems, List<String> notes, Map<String, Long> redacted) {}

    /** A fresh redactor of the options' rules (each pass counts for itself). */
    private Redactor redactor() {
        return options.redaction() == null ? Redactor.disabled() : new Redactor(true, options.redaction());
    }

    /**
     * Reads the HAR files an entry at a time and writes each stub as soon as it is made: memory
     * holds one entry and a few bytes per request, whatever the size of the files. A request seen
     * again with the same response rewrites its stub (the last one stays, as {@link #generate}
     * keeps it); one seen again with a different response becomes a scenario, whose stubs are
     * made from a second look at only those entries once all are known.
     */
    public Written writeHars(List<Path> hars, Path dir) throws IOException {
        // the directory is made at the first stub: a HAR without one leaves none
        try (WriteBehind out = new WriteBehind(StubDirectory.lazy(dir))) {
            return writeHars(hars, out);
        }
    }

    private Written writeHars(List<Path> hars, WriteBehind out) throws IOException {
        Redactor redactor = redactor();
        List<HarProblem> problems = new ArrayList<>();
        Map<String, Group> groups = new LinkedHashMap<>();
        TreeMap<Long, List<String>> notes = new TreeMap<>();
        for (int h = 0; h < hars.size(); h++) {
            long har = h;
            problems.addAll(readEach(hars.get(h), i -> true, x -> {
                RecordedExchange r = redactor.exchange(x);
                long entry = har << 32 | r.index();
                Group g = addTo(groups, entry, r);
                if (g.varies) {
                    // its stubs come from the second look: the one written so far is none of them
                    out.delete(g.written, null);
                    g.written = null;
                    forget(notes, g);
                    return;
                }
                List<String> said = new ArrayList<>();
                StubFiles written = stub(new Slot(g, 0, 1), r, out, said);
                out.delete(g.written, written);
                g.written = written;
                forget(notes, g);
                if (!said.isEmpty()) {
                    notes.put(entry, said);
                    g.noted = entry;
                }
            }));
        }
        Map<Long, Slot> scenarios = new HashMap<>();
        int mappings = 0, bodyFiles = 0;
        for (Group g : groups.values()) {
            if (g.varies) {
                for (int i = 0; i < g.entries.size(); i++) {
                    scenarios.put(g.entries.get(i), new Slot(g, i, g.entries.size()));
                }
            } else {
                mappings++;
                bodyFiles += g.written.bodyFile() == null ? 0 : 1;
            }
        }
        Redactor again = redactor(); // its counts are not kept: the first look counted every entry once
        int[] scenarioBodyFiles = {0};
        for (int h = 0; h < hars.size() && !scenarios.isEmpty(); h++) {
            long har = h;
            readEach(hars.get(h), i -> scenarios.containsKey(har << 32 | i), x -> {
                List<String> said = new ArrayList<>();
                scenarioBodyFiles[0] += stub(scenarios.get(har << 32 | x.index()), again.exchange(x), out, said).bodyFile() == null ? 0 : 1;
                if (!said.isEmpty()) {
                    notes.put(har << 32 | x.index(), said);
                }
            });
        }
        mappings += scenarios.size();
        bodyFiles += scenarioBodyFiles[0];
        return new Written(mappings, bodyFiles, problems, notes.values().stream().flatMap(List::stream).toList(),
                redactor.counts());
    }

    /** The notes of a group's earlier stub, which is gone. */
    private static void forget(Map<Long, List<String>> notes, Group g) {
        if (g.noted != null) {
            notes.remove(g.noted);
            g.noted = null;
        }
    }

    /** An exception of the consumer's I/O, carried through HarFile's consumer and thrown again. */
    private static List<HarProblem> readEach(Path har, java.util.function.IntPredicate wanted, IoConsumer each) throws IOException {
        IOException[] failed = {null};
        List<HarProblem> problems = HarFile.read(har, wanted, x -> {
            if (failed[0] == null) {
                try {
                    each.accept(x);
                } catch (IOException e) {
                    failed[0] = e;
                }
            }
        });
        if (failed[0] != null) {
            throw failed[0];
        }
        return problems;
    }

    private interface IoConsumer {
        void accept(RecordedExchange x) throws IOException;
    }

    /** Where stubs go as they are made. */
    interface Sink {
        void mapping(String file, StubDraft stub) throws IOException;

        void bodyFile(String file, byte[] bytes) throws IOException;
    }

    /**
     * Which recorded exchanges become which stubs, from a few bytes per exchange: identical
     * requests (by a digest of everything a stub matches on) form a group; a group whose
     * responses are all the same becomes one stub (its last), otherwise a scenario of all.
     */
    private final class Plan {
        private final Map<String, Group> groups = new LinkedHashMap<>();
        private long exchanges;
        private final Map<Long, Slot> slots = new HashMap<>();

        void add(RecordedExchange x) {
            addTo(groups, exchanges++, x);
        }

        void finish() {
            for (Group g : groups.values()) {
                List<Long> chosen = g.varies ? g.entries : List.of(g.entries.get(g.entries.size() - 1));
                for (int i = 0; i < chosen.size(); i++) {
                    slots.put(chosen.get(i), new Slot(g, i, chosen.size()));
                }
            }
        }

        Slot slot(int ordinal) {
            return slots.get((long) ordinal);
        }
    }

    /** A digest of everything a stub matches on: the exchanges that have one are the same request. */
    private String requestDigest(RecordedExchange x) {
        return HexFormat.of().formatHex(sha256(requestKey(x).getBytes(StandardCharsets.UTF_8)));
    }

    private static String responseDigest(RecordedExchange x) {
        return x.status() + " " + HexFormat.of().formatHex(sha256(x.responseBody()));
    }

    /** The group of x's request (made at its first exchange), with x added to it as {@code entry}. */
    private Group addTo(Map<String, Group> groups, long entry, RecordedExchange x) {
        Group g = groups.computeIfAbsent(requestDigest(x), d -> new Group(d, baseName(x, d)));
        g.entries.add(entry);
        String response = responseDigest(x);
        if (g.firstResponse == null) {
            g.firstResponse = response;
        } else if (!response.equals(g.firstResponse)) {
            g.varies = true;
        }
        return g;
    }

    /** The exchanges of one request, as {@link Plan} sees them and as {@link #writeHars} does. */
    private static final class Group {
        final String digest;
        final String base;
        /** Each exchange: its ordinal for {@link Plan}; HAR number << 32 | entry index for {@link #writeHars}. */
        final List<Long> entries = new ArrayList<>();
        String firstResponse;
        /** Its responses differ: a scenario of all of them, else one stub (its last). */
        boolean varies;
        // writeHars only: the files its one stub is in so far, and the entry its notes came from
        StubFiles written;
        Long noted;

        Group(String digest, String base) {
            this.digest = digest;
            this.base = base;
        }
    }

    /** The {@code i}th of the {@code n} stubs of a group. */
    private record Slot(Group group, int i, int n) {}

    /**
     * The stub of an exchange, handed to the sink, and what to know about it added to notes.
     *
     * @return the files it is in
     */
    private StubFiles stub(Slot slot, RecordedExchange x, Sink sink, List<String> notes) throws IOException {
        String[] bodyFile = {null};
        int i = slot.i(), n = slot.n();
        String name = n > 1 ? slot.group().base + "-" + (i + 1) : slot.group().base;
        // put in order: Map.of's order changes from one JVM to the next, and a re-run must write the same files
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("har", x.source());
        meta.put("entry", x.index());
        if (!x.truncated().isEmpty()) {
            meta.put("truncated", x.truncated());
        }
        StubDraft.Scenario scenario = null;
        if (n > 1) {
            String state = i == 0 ? Scenario.STARTED : "response " + (i + 1);
            String next = i < n - 1 ? "response " + (i + 2) : options.repeatLast() ? null : "all " + n + " recorded responses served";
            scenario = new StubDraft.Scenario("recordtls " + slot.group().base, state, next);
        }
        StubDraft stub = new StubDraft(UUID.nameUUIDFromBytes((slot.group().digest + "#" + i).getBytes(StandardCharsets.UTF_8)),
                x.method() + " " + x.url() + (n > 1 ? " (" + (i + 1) + " of " + n + ")" : ""),
                request(x), response(x, name, sink, bodyFile), Map.of("recordtls", meta), scenario);
        if (x.incomplete()) {
            notes.add(x.source() + ": entry " + x.index() + " (" + x.method() + " " + x.url()
                    + ") was recorded incomplete: its stub serves what was captured");
        }
        if (x.truncated().contains("response")) {
            notes.add(x.source() + ": entry " + x.index() + " (" + x.method() + " " + x.url()
                    + ") has a truncated response body: its stub serves only the recorded beginning (marked \"truncated\" in its metadata)");
        }
        if (x.truncated().contains("request")) {
            notes.add(x.source() + ": entry " + x.index() + " (" + x.method() + " " + x.url()
                    + ") has a truncated request body: its stub does not match on the body");
        }
        sink.mapping(name + ".json", stub);
        return new StubFiles(name + ".json", bodyFile[0]);
    }

    /** The names of one stub's files: its mapping, and its body file or null. */
    record StubFiles(String mapping, String bodyFile) {}

    private StubDraft.Request request(RecordedExchange x) {
        String path = x.url().getRawPath().isEmpty() ? "/" : x.url().getRawPath();
        Map<String, List<String>> query = query(x);
        boolean redactedQuery = query.values().stream().anyMatch(v -> v.contains(Redactor.MASK));
        String url = path;
        boolean urlIsPath = false;
        Map<String, List<String>> required = new TreeMap<>();
        if (!redactedQuery && query.keySet().stream().noneMatch(options.ignoreQuery()::contains)) {
            // The whole URL: a request with a parameter that was not recorded is not this one.
            url = path + (x.url().getRawQuery() == null ? "" : "?" + x.url().getRawQuery());
        } else {
            urlIsPath = true;
            for (var q : query.entrySet()) {
                if (!options.ignoreQuery().contains(q.getKey()) && !q.getValue().contains(Redactor.MASK)) {
                    required.put(q.getKey(), q.getValue());
                }
            }
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String h : options.matchHeaders()) {
            String v = x.requestHeader(h);
            if (v != null && !v.equals(Redactor.MASK)) { // a redacted value is no requirement
                headers.add(Map.entry(h, v));
            }
        }
        StubDraft.BodyMatch match = null;
        Map<String, List<String>> form = new TreeMap<>();
        byte[] body = x.requestBody();
        if (body.length > 0 && !x.truncated().contains("request")) {
            String type = x.requestContentType() == null ? "" : BodyText.mediaType(x.requestContentType());
            BodyText text = BodyText.of(body, x.requestContentType());
            JsonNode json;
            if (text.encoding() != null) {
                match = new StubDraft.BodyMatch.Binary(body);
            } else if (type.endsWith("json") && (json = json(text.text())) != null) {
                match = new StubDraft.BodyMatch.Json(withIgnoredFields(json));
            } else if (type.endsWith("xml")) {
                match = new StubDraft.BodyMatch.Xml(text.text());
            } else if (type.equals("application/x-www-form-urlencoded")) {
                for (var p : pairs(text.text()).entrySet()) {
                    if (!p.getValue().contains(Redactor.MASK)) { // a redacted value is no requirement
                        form.put(p.getKey(), p.getValue());
                    }
                }
            } else {
                match = new StubDraft.BodyMatch.Text(text.text());
            }
        }
        return new StubDraft.Request(x.method(), url, urlIsPath, required, options.matchHost() ? x.url().getHost() : null,
                options.matchHost() ? x.port() : null, headers, match, form);
    }

    private StubDraft.Response response(RecordedExchange x, String name, Sink sink, String[] bodyFile) throws IOException {
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
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (HarHeader h : x.responseHeaders()) {
            String n = h.name().toLowerCase(Locale.ROOT);
            if (h.value().equals(Redactor.MASK) || (NOT_REPLAYED.contains(n) && !(reencoded && n.equals("content-encoding")))) {
                continue;
            }
            headers.add(Map.entry(h.name(), h.value()));
        }
        for (HarHeader t : x.responseTrailers()) {
            if (!t.value().equals(Redactor.MASK)) {
                headers.add(Map.entry(ReplayTrailers.HEADER, ReplayTrailers.headerValue(t.name(), t.value())));
            }
        }
        String statusMessage = x.statusText().isBlank() ? null : x.statusText();
        if (body.length == 0) {
            return new StubDraft.Response(x.status(), statusMessage, headers, null, null);
        }
        BodyText text = BodyText.of(body, reencoded ? null : x.responseContentType());
        if (text.encoding() == null && body.length <= options.inlineLimit()) {
            return new StubDraft.Response(x.status(), statusMessage, headers, text.text(), null);
        }
        String file = name + extension(x.responseContentType(), text.encoding() == null);
        sink.bodyFile(file, body);
        bodyFile[0] = file;
        return new StubDraft.Response(x.status(), statusMessage, headers, null, file);
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
            if (!options.ignoreQuery().contains(n) && !v.contains(Redactor.MASK)) {
                k.append(n).append('=').append(v).append('&');
            }
        });
        options.matchHeaders().stream().sorted().forEach(h -> k.append('\n').append(h.toLowerCase(Locale.ROOT)).append(':')
                .append(x.requestHeader(h) == null || Redactor.MASK.equals(x.requestHeader(h)) ? "" : x.requestHeader(h)));
        k.append('\n');
        JsonNode json = x.requestContentType() != null && BodyText.mediaType(x.requestContentType()).endsWith("json")
                ? json(new String(x.requestBody(), StandardCharsets.UTF_8)) : null;
        if (x.truncated().contains("request")) {
            k.append("truncated");
        } else {
            k.append(json != null ? withIgnoredFields(json) : HexFormat.of().formatHex(sha256(x.requestBody())));
        }
        return k.toString();
    }

    /**
     * method-host-port-path-hash: readable, stable for the same request, and only ever of ASCII
     * letters, digits and '-' (whatever a HAR from elsewhere holds), so always a plain file name.
     */
    private String baseName(RecordedExchange x, String keyDigest) {
        String method = safe(x.method().toLowerCase(Locale.ROOT));
        String path = safe(x.url().getRawPath());
        String host = options.matchHost() ? safe(x.url().getHost()) + "-" + x.port() + "-" : "";
        String readable = (method.isEmpty() ? "request" : method) + "-" + host + (path.isEmpty() ? "root" : path);
        if (readable.length() > 80) {
            readable = readable.substring(0, 80);
        }
        return readable + "-" + keyDigest.substring(0, 8);
    }

    private static String safe(String s) {
        return s == null ? "" : EDGE_DASHES.matcher(NOT_SAFE.matcher(s).replaceAll("-")).replaceAll("");
    }

    /** Compiled once: every stub's name goes through them (String.replaceAll compiles each call). */
    private static final java.util.regex.Pattern NOT_SAFE = java.util.regex.Pattern.compile("[^A-Za-z0-9]+"),
            EDGE_DASHES = java.util.regex.Pattern.compile("(^-+|-+$)");

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
        ignoreRedacted(copy);
        return copy.toString();
    }

    /** A redacted field matches whatever the client sends: the recorded value is unknown. */
    private static void ignoreRedacted(JsonNode node) {
        if (node instanceof ObjectNode o) {
            for (var it = o.properties().iterator(); it.hasNext(); ) {
                var field = it.next();
                if (field.getValue().isTextual() && field.getValue().textValue().equals(Redactor.MASK)) {
                    field.setValue(TextNode.valueOf(IGNORE));
                } else {
                    ignoreRedacted(field.getValue());
                }
            }
        } else if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual() && a.get(i).textValue().equals(Redactor.MASK)) {
                    a.set(i, TextNode.valueOf(IGNORE));
                } else {
                    ignoreRedacted(a.get(i));
                }
            }
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
