package io.recordtls.har;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import de.sstoehr.harreader.HarReaderMode;
import de.sstoehr.harreader.jackson.DefaultMapperFactory;
import de.sstoehr.harreader.model.HarContent;
import de.sstoehr.harreader.model.HarEntry;
import de.sstoehr.harreader.model.HarHeader;
import de.sstoehr.harreader.model.HarPostData;
import de.sstoehr.harreader.model.HarPostDataParam;
import de.sstoehr.harreader.model.HarRequest;
import de.sstoehr.harreader.model.HarResponse;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

/**
 * Reads HAR files from recordtls and other tools (browsers' DevTools, mitmproxy, Charles...)
 * entry by entry, so that one bad entry, or a file cut short, costs only what is broken: every
 * problem is reported with the entry's index, every valid entry is kept.
 */
public final class HarFile {
    private static final Set<String> KNOWN_VERSIONS = Set.of("1.1", "1.2", "1.3");
    private static final ObjectMapper MAPPER = new ObjectMapper(HarJson.factory());
    /**
     * How deep one entry may nest: HAR entries are a few levels deep, and a hostile file that
     * nests deeper (to exhaust the stack of whatever reads it) costs only that entry.
     */
    static final int MAX_ENTRY_DEPTH = 200;
    /**
     * The file as a whole may nest deeper than Jackson's default of 1000, so that an entry past
     * that depth is skipped alone rather than ending the file; still bounded, as the parser keeps a
     * context per level.
     */
    private static final JsonFactory READING = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).maxDocumentLength(-1)
                    .maxNestingDepth(100_000).build())
            .build();
    /** har-reader's lenient mapper (dates and numbers other tools get wrong are left out, not fatal). */
    private static final ObjectMapper MODEL = new DefaultMapperFactory().instance(HarReaderMode.LAX);

    /** The entries that could be read, and what was wrong with the rest. */
    public record Contents(List<RecordedExchange> exchanges, List<HarProblem> problems) {}

    private HarFile() {}

    /**
     * Reads a small made-up HAR on a daemon thread: the first read otherwise waits for Jackson and
     * the HAR model to load and link (about 0.15 s at a test run's first recorded test). For a
     * caller that knows a read is coming and has something else to wait for meanwhile. A class of
     * its own: calling it leaves HarFile (and its mappers) to be initialized on that thread.
     */
    public static final class WarmUp {
        private WarmUp() {}

        public static void inBackground() {
            Thread t = new Thread(() -> {
                String har = "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"warm-up\",\"version\":\"1\"},\"entries\":[{"
                        + "\"startedDateTime\":\"2026-01-01T00:00:00.000Z\",\"time\":1,\"request\":{\"method\":\"POST\","
                        + "\"url\":\"https://warm-up.invalid/w?q=1\",\"httpVersion\":\"HTTP/1.1\",\"headers\":[{\"name\":\"Content-Type\","
                        + "\"value\":\"application/json\"}],\"queryString\":[],\"cookies\":[],\"headersSize\":-1,\"bodySize\":2,"
                        + "\"postData\":{\"mimeType\":\"application/json\",\"text\":\"{}\"}},\"response\":{\"status\":200,"
                        + "\"statusText\":\"OK\",\"httpVersion\":\"HTTP/1.1\",\"headers\":[],\"cookies\":[],\"content\":{\"size\":2,"
                        + "\"mimeType\":\"text/plain\",\"text\":\"b2s=\",\"encoding\":\"base64\"},\"redirectURL\":\"\","
                        + "\"headersSize\":-1,\"bodySize\":2},\"cache\":{},\"timings\":{\"send\":0,\"wait\":1,\"receive\":0}}]}}";
                try {
                    read(new java.io.ByteArrayInputStream(har.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "warm-up");
                } catch (IOException | RuntimeException e) {
                    // only a warm-up: the first real read loads what this did not
                }
            }, "recordtls-har-warm-up");
            t.setDaemon(true);
            t.start();
        }
    }

    public static Contents read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    public static Contents read(InputStream in, String name) throws IOException {
        List<RecordedExchange> exchanges = new ArrayList<>();
        List<HarProblem> problems = read(in, name, exchanges::add);
        return new Contents(exchanges, problems);
    }

    /**
     * Reads a HAR entry by entry, handing each valid one to {@code each} as soon as it is read:
     * only one entry is in memory at a time, whatever the size of the file.
     *
     * @return what was wrong with the file and with the entries that were left out
     */
    public static List<HarProblem> read(Path file, Consumer<RecordedExchange> each) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), each);
        }
    }

    public static List<HarProblem> read(InputStream in, String name, Consumer<RecordedExchange> each) throws IOException {
        return read(in, name, index -> true, each);
    }

    /**
     * As {@link #read(Path, Consumer)}, for only the entries whose index {@code wanted} accepts:
     * the others are skipped unread (not checked, not decoded), so a second look at a few entries
     * of a large file costs little more than scanning it.
     */
    public static List<HarProblem> read(Path file, IntPredicate wanted, Consumer<RecordedExchange> each) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), wanted, each);
        }
    }

    private static List<HarProblem> read(InputStream in, String name, IntPredicate wanted, Consumer<RecordedExchange> each)
            throws IOException {
        List<HarProblem> problems = new ArrayList<>();
        int index = 0;
        boolean sawEntries = false;
        try (JsonParser p = READING.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                problems.add(new HarProblem(name, -1, "not a HAR file: it does not start with a JSON object"));
                return problems;
            }
            if (!seekField(p, "log")) {
                problems.add(new HarProblem(name, -1, "not a HAR file: no \"log\" object"));
                return problems;
            }
            if (p.nextToken() != JsonToken.START_OBJECT) {
                problems.add(new HarProblem(name, -1, "not a HAR file: \"log\" is not an object"));
                return problems;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("version")) {
                    if (p.currentToken() != JsonToken.VALUE_STRING) {
                        problems.add(new HarProblem(name, -1, "\"log.version\" is not a string: entries read as HAR 1.2"));
                        p.skipChildren();
                        continue;
                    }
                    String v = p.getText();
                    if (!KNOWN_VERSIONS.contains(v)) {
                        problems.add(new HarProblem(name, -1, "unknown HAR version \"" + printable(v) + "\" (known: 1.1, 1.2, 1.3): entries read as HAR 1.2"));
                    }
                } else if (field.equals("entries") && p.currentToken() == JsonToken.START_ARRAY) {
                    sawEntries = true;
                    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                        if (t == null) {
                            throw new JsonParseException(p, "unexpected end of input in \"entries\"");
                        }
                        if (!wanted.test(index)) {
                            p.skipChildren();
                            index++;
                            continue;
                        }
                        try {
                            each.accept(exchange(name, index, entryTree(p)));
                        } catch (InvalidEntry e) {
                            problems.add(new HarProblem(name, index, e.getMessage()));
                        }
                        index++;
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (java.io.CharConversionException e) {
            // Jackson takes 4 leading bytes for UTF-32 and then meets no such character: not a HAR, not an I/O error
            problems.add(new HarProblem(name, -1, "not JSON text (after " + index + " entries): " + printable(e.getMessage())));
            return problems;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            problems.add(new HarProblem(name, -1, "malformed or truncated JSON at line " + (loc == null ? "?" : loc.getLineNr())
                    + ", column " + (loc == null ? "?" : loc.getColumnNr()) + " (after " + index + " entries): "
                    + e.getOriginalMessage()));
            return problems;
        }
        if (!sawEntries) {
            problems.add(new HarProblem(name, -1, "not a HAR file: \"log\" has no \"entries\" array"));
        }
        return problems;
    }

    /**
     * The entry the parser stands on, as a tree; an entry that is no object, or nests deeper than
     * {@link #MAX_ENTRY_DEPTH}, is skipped to its end (the entries after it are still read).
     */
    private static JsonNode entryTree(JsonParser p) throws IOException, InvalidEntry {
        JsonToken first = p.currentToken();
        if (first != JsonToken.START_OBJECT) {
            p.skipChildren();
            throw new InvalidEntry("not an object but " + describe(first));
        }
        try (TokenBuffer copy = new TokenBuffer(p)) {
            int depth = 0;
            JsonToken t = first;
            while (true) {
                if (t.isStructStart()) {
                    if (++depth > MAX_ENTRY_DEPTH) {
                        // what is left of the entry, skipped without being kept: this level, then
                        // the rest of each level around it
                        p.skipChildren();
                        for (int open = depth - 1; open > 0; ) {
                            JsonToken n = p.nextToken();
                            if (n == null) {
                                throw new JsonParseException(p, "unexpected end of input in an entry");
                            }
                            if (n.isStructStart()) {
                                p.skipChildren();
                            } else if (n.isStructEnd()) {
                                open--;
                            }
                        }
                        throw new InvalidEntry("nested deeper than " + MAX_ENTRY_DEPTH + " levels");
                    }
                } else if (t.isStructEnd()) {
                    depth--;
                }
                copy.copyCurrentEvent(p);
                if (depth == 0) {
                    break;
                }
                t = p.nextToken();
                if (t == null) {
                    throw new JsonParseException(p, "unexpected end of input in an entry");
                }
            }
            try (JsonParser tree = copy.asParser(MAPPER)) {
                return MAPPER.readTree(tree);
            }
        }
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case VALUE_NULL -> "null";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> "a number";
        };
    }

    private static boolean seekField(JsonParser p, String wanted) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            if (p.currentName().equals(wanted)) {
                return true;
            }
            p.nextToken();
            p.skipChildren();
        }
        return false;
    }

    private static final class InvalidEntry extends Exception {
        InvalidEntry(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * One entry: read into har-reader's model (the one the recorder writes with), leniently as
     * har-reader reads other tools' files; then checked and decoded. A few checks look at the
     * JSON first, where the model would hide what is wrong (it fills in a missing request or
     * response, and turns a number into a string).
     */
    private static RecordedExchange exchange(String source, int index, JsonNode e) throws InvalidEntry {
        if (!e.path("request").isObject()) {
            throw new InvalidEntry("no request");
        }
        if (!e.path("response").isObject()) {
            throw new InvalidEntry("no response");
        }
        requireText(e.path("request").path("postData").path("text"), "request.postData.text");
        requireText(e.path("response").path("content").path("text"), "response.content.text");
        withoutUnused(e);
        HarEntry entry;
        try {
            entry = MODEL.treeToValue(e, HarEntry.class);
        } catch (com.fasterxml.jackson.databind.JsonMappingException ex) {
            throw new InvalidEntry("not a HAR 1.2 entry: " + ex.getOriginalMessage() + " (at " + ex.getPathReference() + ")");
        } catch (JsonProcessingException ex) {
            throw new InvalidEntry("not a HAR 1.2 entry: " + ex.getOriginalMessage());
        }
        HarRequest req = entry.request();
        HarResponse res = entry.response();
        String method = req.method() == null ? "" : req.method();
        if (method.isBlank()) {
            throw new InvalidEntry("request.method is missing");
        }
        if (!HTTP_TOKEN.matcher(method).matches()) {
            // it becomes a matcher and part of file names: "/etc/x" or "..", from a hostile file, is neither
            throw new InvalidEntry("request.method is not an HTTP method: \"" + printable(method) + "\"");
        }
        URI url;
        try {
            url = new URI(req.url() == null ? "" : req.url());
        } catch (URISyntaxException ex) {
            throw new InvalidEntry("request.url is not a URL: " + printable(ex.getMessage()));
        }
        if (url.getHost() == null || url.getScheme() == null) {
            throw new InvalidEntry("request.url is not an absolute http(s) URL: \"" + printable(req.url() == null ? "" : req.url()) + "\"");
        }
        if (!e.path("response").path("status").canConvertToInt()) {
            throw new InvalidEntry("response.status is missing or not a number");
        }
        int status = res.status();
        if (status == 0) {
            throw new InvalidEntry("no response was received (status 0)");
        }
        if (status < 100 || status > 599) {
            throw new InvalidEntry("response.status " + status + " is not an HTTP status");
        }
        List<HarHeader> reqHeaders = headers(req.headers());
        List<HarHeader> resHeaders = headers(res.headers());
        HarPostData postData = e.path("request").has("postData") ? req.postData() : null;
        byte[] requestBody = requestBody(postData);
        HarContent content = res.content();
        byte[] responseBody = decode(content.text(), content.encoding(), "response.content.text");
        String reqType = postData == null ? null : postData.mimeType();
        String resType = content.mimeType();
        boolean incomplete = Boolean.TRUE.equals(entry.additional().get("_incomplete"));
        List<String> truncated = new ArrayList<>();
        if (present(e.path("request").path("postData").path("_truncated"))) {
            truncated.add("request");
        }
        if (present(e.path("response").path("content").path("_truncated"))) {
            truncated.add("response");
        }
        return new RecordedExchange(source, index, method.toUpperCase(java.util.Locale.ROOT), url, reqHeaders, requestBody,
                reqType == null || reqType.isBlank() ? first(reqHeaders, "Content-Type") : reqType, status,
                res.statusText() == null ? "" : res.statusText(), resHeaders, responseBody,
                resType == null || resType.isBlank() ? first(resHeaders, "Content-Type") : resType, incomplete,
                List.copyOf(truncated), trailers(e.path("response").path("_trailers")));
    }

    /**
     * The parts of an entry no exchange is made of (timings, cache, cookies, which repeat the
     * headers, and the parsed query string, which repeats the URL), left out before binding:
     * binding their dates was a tenth of reading a big HAR, and a malformed value there cannot
     * cost an entry whose exchange is whole.
     */
    private static void withoutUnused(JsonNode e) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) e).remove(UNUSED_ENTRY_FIELDS);
        ((com.fasterxml.jackson.databind.node.ObjectNode) e.get("request")).remove(UNUSED_MESSAGE_FIELDS);
        ((com.fasterxml.jackson.databind.node.ObjectNode) e.get("response")).remove(UNUSED_MESSAGE_FIELDS);
    }

    private static final List<String> UNUSED_ENTRY_FIELDS = List.of("startedDateTime", "time", "cache", "timings");
    private static final List<String> UNUSED_MESSAGE_FIELDS = List.of("cookies", "queryString");

    /** recordtls's {@code response._trailers}: name/value pairs like headers; what is not one is left out. */
    private static List<HarHeader> trailers(JsonNode trailers) {
        List<HarHeader> out = new ArrayList<>();
        for (JsonNode t : trailers) {
            if (t.path("name").isTextual() && !t.path("name").asText().isEmpty() && t.path("value").isTextual()) {
                out.add(HarHeader.builder().name(t.path("name").asText()).value(t.path("value").asText()).build());
            }
        }
        return List.copyOf(out);
    }

    /** The characters RFC 9110 allows in a method, not too many of them, and a letter among them (not ".."). */
    private static final java.util.regex.Pattern HTTP_TOKEN = java.util.regex.Pattern.compile(
            "(?=[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$)[^A-Za-z]*[A-Za-z].*");

    /** A recordtls mark ({"size":..}) or another tool's (true); false, null or absent is no mark. */
    private static boolean present(JsonNode mark) {
        return !mark.isMissingNode() && !mark.isNull() && !(mark.isBoolean() && !mark.booleanValue());
    }

    /** A value from the file as it may be shown in a message: short, one line, no control characters. */
    static String printable(String s) {
        String cut = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    private static void requireText(JsonNode text, String where) throws InvalidEntry {
        if (!text.isMissingNode() && !text.isNull() && !text.isTextual()) {
            throw new InvalidEntry(where + " is not a string");
        }
    }

    private static String first(List<HarHeader> headers, String name) {
        return headers.stream().filter(h -> name.equalsIgnoreCase(h.name())).map(HarHeader::value).findFirst().orElse(null);
    }

    /** Named headers, without the HTTP/2 pseudo-headers DevTools writes among them. */
    private static List<HarHeader> headers(List<HarHeader> in) {
        List<HarHeader> out = new ArrayList<>();
        for (HarHeader h : in == null ? List.<HarHeader>of() : in) {
            if (h != null && h.name() != null && !h.name().isEmpty() && !h.name().startsWith(":")) {
                out.add(h.value() == null ? h.toBuilder().value("").build() : h);
            }
        }
        return out;
    }

    private static byte[] requestBody(HarPostData postData) throws InvalidEntry {
        if (postData == null) {
            return new byte[0];
        }
        Object encoding = postData.additional().getOrDefault("encoding", postData.additional().get("_encoding"));
        if (postData.text() != null) {
            return decode(postData.text(), encoding == null ? "" : encoding.toString(), "request.postData.text");
        }
        // Some tools give form fields only: rebuild the urlencoded body from them.
        StringBuilder form = new StringBuilder();
        for (HarPostDataParam param : postData.params() == null ? List.<HarPostDataParam>of() : postData.params()) {
            if (form.length() > 0) {
                form.append('&');
            }
            form.append(URLEncoder.encode(param.name() == null ? "" : param.name(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(param.value() == null ? "" : param.value(), StandardCharsets.UTF_8));
        }
        return form.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] decode(String text, String encoding, String where) throws InvalidEntry {
        if (text == null) {
            return new byte[0];
        }
        String coding = encoding == null ? "" : encoding;
        if ("base64".equalsIgnoreCase(coding)) {
            try {
                return Base64.getDecoder().decode(text.replaceAll("\\s", ""));
            } catch (IllegalArgumentException e) {
                throw new InvalidEntry(where + " is not valid base64: " + e.getMessage());
            }
        }
        if (!coding.isEmpty()) {
            throw new InvalidEntry(where + " has an unknown encoding \"" + coding + "\"");
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
