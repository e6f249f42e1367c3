package io.recordtls.har;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
    private static final ObjectMapper MAPPER = new ObjectMapper(io.recordtls.har.HarJson.factory());

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

    private static RecordedExchange exchange(String source, int index, JsonNode e) throws InvalidEntry {
        JsonNode req = e.path("request");
        JsonNode res = e.path("response");
        if (!req.isObject()) {
            throw new InvalidEntry("no request");
        }
        if (!res.isObject()) {
            throw new InvalidEntry("no response");
        }
        String method = req.path("method").asText("");
        if (method.isBlank()) {
            throw new InvalidEntry("request.method is missing");
        }
        URI url;
        try {
            url = new URI(req.path("url").asText(""));
        } catch (URISyntaxException ex) {
            throw new InvalidEntry("request.url is not a URL: " + ex.getMessage());
        }
        if (url.getHost() == null || url.getScheme() == null) {
            throw new InvalidEntry("request.url is not an absolute http(s) URL: \"" + req.path("url").asText("") + "\"");
        }
        if (!res.path("status").canConvertToInt()) {
            throw new InvalidEntry("response.status is missing or not a number");
        }
        int status = res.path("status").asInt();
        if (status == 0) {
            throw new InvalidEntry("no response was received (status 0)");
        }
        if (status < 100 || status > 599) {
            throw new InvalidEntry("response.status " + status + " is not an HTTP status");
        }
        List<RecordedExchange.NameValue> reqHeaders = headers(req);
        List<RecordedExchange.NameValue> resHeaders = headers(res);
        byte[] requestBody = requestBody(req.path("postData"));
        JsonNode content = res.path("content");
        byte[] responseBody = decode(content.path("text"), content.path("encoding").asText(""), "response.content.text");
        String reqType = req.path("postData").path("mimeType").asText(null);
        String resType = content.path("mimeType").asText(null);
        boolean incomplete = e.path("_incomplete").asBoolean(false);
        return new RecordedExchange(source, index, method.toUpperCase(java.util.Locale.ROOT), url, reqHeaders, requestBody,
                reqType == null || reqType.isBlank() ? first(reqHeaders, "Content-Type") : reqType, status,
                res.path("statusText").asText(""), resHeaders, responseBody,
                resType == null || resType.isBlank() ? first(resHeaders, "Content-Type") : resType, incomplete);
    }

    private static String first(List<RecordedExchange.NameValue> headers, String name) {
        return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(RecordedExchange.NameValue::value).findFirst().orElse(null);
    }

    private static List<RecordedExchange.NameValue> headers(JsonNode message) throws InvalidEntry {
        List<RecordedExchange.NameValue> out = new ArrayList<>();
        JsonNode headers = message.path("headers");
        if (!headers.isMissingNode() && !headers.isArray()) {
            throw new InvalidEntry("headers is not an array");
        }
        for (JsonNode h : headers) {
            String n = h.path("name").asText("");
            if (!n.isEmpty() && !n.startsWith(":")) { // HTTP/2 pseudo-headers as DevTools writes them
                out.add(new RecordedExchange.NameValue(n, h.path("value").asText("")));
            }
        }
        return out;
    }

    private static byte[] requestBody(JsonNode postData) throws InvalidEntry {
        if (postData.isMissingNode() || postData.isNull()) {
            return new byte[0];
        }
        JsonNode text = postData.path("text");
        String encoding = postData.path("encoding").asText(postData.path("_encoding").asText(""));
        if (!text.isMissingNode() && !text.isNull()) {
            return decode(text, encoding, "request.postData.text");
        }
        // Some tools give form fields only: rebuild the urlencoded body from them.
        StringBuilder form = new StringBuilder();
        for (JsonNode param : postData.path("params")) {
            if (!form.isEmpty()) {
                form.append('&');
            }
            form.append(URLEncoder.encode(param.path("name").asText(""), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(param.path("value").asText(""), StandardCharsets.UTF_8));
        }
        return form.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] decode(JsonNode text, String encoding, String where) throws InvalidEntry {
        if (text.isMissingNode() || text.isNull()) {
            return new byte[0];
        }
        if (!text.isTextual()) {
            throw new InvalidEntry(where + " is not a string");
        }
        if ("base64".equalsIgnoreCase(encoding)) {
            try {
                return Base64.getDecoder().decode(text.asText().replaceAll("\\s", ""));
            } catch (IllegalArgumentException e) {
                throw new InvalidEntry(where + " is not valid base64: " + e.getMessage());
            }
        }
        if (!encoding.isEmpty()) {
            throw new InvalidEntry(where + " has an unknown encoding \"" + encoding + "\"");
        }
        return text.asText().getBytes(StandardCharsets.UTF_8);
    }
}
