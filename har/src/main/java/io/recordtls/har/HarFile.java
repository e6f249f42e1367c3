package io.recordtls.har;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

/**
 * Reads HAR files from recordtls and other tools (browsers' DevTools, mitmproxy, Charles...)
 * entry by entry, so that one bad entry, or a file cut short, costs only what is broken: every
 * problem is reported with the entry's index, every valid entry is kept.
 */
public final class HarFile {
    private static final Set<String> KNOWN_VERSIONS = Set.of("1.1", "1.2", "1.3");
    private static final ObjectMapper MAPPER = new ObjectMapper(HarJson.factory());
    /** har-reader's lenient mapper (dates and numbers other tools get wrong are left out, not fatal). */
    private static final ObjectMapper MODEL = new DefaultMapperFactory().instance(HarReaderMode.LAX);

    /** The entries that could be read, and what was wrong with the rest. */
    public record Contents(List<RecordedExchange> exchanges, List<HarProblem> problems) {}

    private HarFile() {}

    public static Contents read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    public static Contents read(InputStream in, String name) throws IOException {
        List<RecordedExchange> exchanges = new ArrayList<>();
        List<HarProblem> problems = new ArrayList<>();
        int index = 0;
        boolean sawEntries = false;
        try (JsonParser p = MAPPER.getFactory().createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                problems.add(new HarProblem(name, -1, "not a HAR file: it does not start with a JSON object"));
                return new Contents(exchanges, problems);
            }
            if (!seekField(p, "log")) {
                problems.add(new HarProblem(name, -1, "not a HAR file: no \"log\" object"));
                return new Contents(exchanges, problems);
            }
            if (p.nextToken() != JsonToken.START_OBJECT) {
                problems.add(new HarProblem(name, -1, "not a HAR file: \"log\" is not an object"));
                return new Contents(exchanges, problems);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("version")) {
                    String v = p.getValueAsString();
                    if (!KNOWN_VERSIONS.contains(v)) {
                        problems.add(new HarProblem(name, -1, "unknown HAR version \"" + v + "\" (known: 1.1, 1.2, 1.3): entries read as HAR 1.2"));
                    }
                } else if (field.equals("entries") && p.currentToken() == JsonToken.START_ARRAY) {
                    sawEntries = true;
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode entry = MAPPER.readTree(p);
                        try {
                            exchanges.add(exchange(name, index, entry));
                        } catch (InvalidEntry e) {
                            problems.add(new HarProblem(name, index, e.getMessage()));
                        }
                        index++;
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            problems.add(new HarProblem(name, -1, "malformed or truncated JSON at line " + (loc == null ? "?" : loc.getLineNr())
                    + ", column " + (loc == null ? "?" : loc.getColumnNr()) + " (after " + index + " entries): "
                    + e.getOriginalMessage()));
            return new Contents(exchanges, problems);
        }
        if (!sawEntries) {
            problems.add(new HarProblem(name, -1, "not a HAR file: \"log\" has no \"entries\" array"));
        }
        return new Contents(exchanges, problems);
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
        URI url;
        try {
            url = new URI(req.url() == null ? "" : req.url());
        } catch (URISyntaxException ex) {
            throw new InvalidEntry("request.url is not a URL: " + ex.getMessage());
        }
        if (url.getHost() == null || url.getScheme() == null) {
            throw new InvalidEntry("request.url is not an absolute http(s) URL: \"" + (req.url() == null ? "" : req.url()) + "\"");
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
        return new RecordedExchange(source, index, method.toUpperCase(java.util.Locale.ROOT), url, reqHeaders, requestBody,
                reqType == null || reqType.isBlank() ? first(reqHeaders, "Content-Type") : reqType, status,
                res.statusText() == null ? "" : res.statusText(), resHeaders, responseBody,
                resType == null || resType.isBlank() ? first(resHeaders, "Content-Type") : resType, incomplete);
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
