package io.recordtls.har;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes credentials from what is written down: recordings and stubs end up in repositories.
 * One rule set ({@link Rules}) serves the recorder (HAR) and {@code stubs} (stubs made from any
 * HAR). A redacted value becomes {@link #MASK}; its name stays. What was redacted is counted by
 * name or path, never with its value ({@link #report}).
 */
public final class Redactor {
    public static final String MASK = "REDACTED";

    /** Headers that carry credentials in common APIs. */
    public static final Set<String> DEFAULT_HEADERS = Set.of(
            "authorization", "proxy-authorization", "authentication", "cookie", "set-cookie", "x-api-key", "api-key",
            "x-api-token", "api-token", "x-auth-token", "x-access-token", "x-token", "x-session-token", "x-refresh-token",
            "x-client-secret", "x-amz-security-token", "x-goog-api-key", "x-csrf-token", "x-xsrf-token", "private-token",
            "x-vault-token", "ocp-apim-subscription-key");

    /**
     * Fields of JSON bodies (requests and responses) whose values are credentials, by name at any
     * depth. Names are compared without case, '_' or '-': "accessToken" is "access_token".
     */
    public static final Set<String> DEFAULT_JSON_FIELDS = Set.of(
            "password", "passwd", "passphrase", "secret", "client_secret", "token", "access_token", "refresh_token", "id_token",
            "session_token", "auth_token", "api_key", "api_token", "private_key", "authorization");

    /**
     * Query and form parameters whose values are credentials: the JSON names, and OAuth's
     * authorization {@code code}, and AWS's presigned-URL signature.
     */
    public static final Set<String> DEFAULT_PARAMETERS;

    static {
        Set<String> p = new TreeSet<>(DEFAULT_JSON_FIELDS);
        p.addAll(List.of("code", "client_assertion", "x-amz-signature", "x-amz-credential", "x-amz-security-token"));
        DEFAULT_PARAMETERS = Set.copyOf(p);
    }

    /** Headers whose values are URLs: their query parameters are redacted as a URL's are. */
    private static final Set<String> URL_HEADERS = Set.of("location", "content-location", "referer", "refresh");

    /**
     * What is redacted.
     *
     * @param headers    header names (case does not matter)
     * @param parameters query and form parameter names
     * @param jsonFields JSON field names (anywhere in a body), or paths from the root such as
     *                   {@code $.user.pin} (an array on the way applies the rest to each element)
     */
    public record Rules(Set<String> headers, Set<String> parameters, Set<String> jsonFields) {
        public Rules {
            headers = lowered(headers);
            parameters = Set.copyOf(parameters);
            jsonFields = Set.copyOf(jsonFields);
        }

        public static Rules defaults() {
            return new Rules(DEFAULT_HEADERS, DEFAULT_PARAMETERS, DEFAULT_JSON_FIELDS);
        }

        public static Rules none() {
            return new Rules(Set.of(), Set.of(), Set.of());
        }

        public Rules withHeaders(Set<String> more) {
            return new Rules(union(headers, more), parameters, jsonFields);
        }

        public Rules withParameters(Set<String> more) {
            return new Rules(headers, union(parameters, more), jsonFields);
        }

        public Rules withJsonFields(Set<String> more) {
            return new Rules(headers, parameters, union(jsonFields, more));
        }

        private static Set<String> lowered(Set<String> names) {
            Set<String> out = new TreeSet<>();
            names.forEach(n -> out.add(n.toLowerCase(Locale.ROOT)));
            return Set.copyOf(out);
        }

        private static Set<String> union(Set<String> a, Set<String> b) {
            Set<String> out = new TreeSet<>(a);
            out.addAll(b);
            return out;
        }
    }

    /**
     * Numbers are kept as written (no double rounding) in a body written back with a field masked.
     * Made on the first JSON body, not with the first Redactor: a recorder makes one before it
     * starts recording, and building a mapper costs a good part of a second of a cold JVM.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
                .build();
    }

    private final boolean enabled;
    private final Rules rules;
    private final Set<String> parameters;
    private final Set<String> fieldNames;
    private final Set<String> fieldPaths;
    /** Every normalized name a JSON field must have to be masked: a body holding none is not parsed. */
    private final Set<String> fieldKeys;
    /** {@link #shape} of each of {@link #fieldKeys}. */
    private final java.util.BitSet keyShapes;
    /** What was redacted: "header:authorization", "query:api_key", "json:$.password", ... to how often. */
    private final Map<String, Long> redacted = new TreeMap<>();
    private long count;

    public Redactor(boolean enabled, Rules rules) {
        this.enabled = enabled;
        this.rules = rules;
        this.parameters = normalized(rules.parameters());
        Set<String> names = new TreeSet<>(), paths = new TreeSet<>();
        for (String f : rules.jsonFields()) {
            if (f.startsWith("$")) {
                paths.add(f.replaceFirst("^\\$\\.?", "").replace("[*]", "").replace("[]", ""));
            } else {
                names.add(normalize(f));
            }
        }
        this.fieldNames = Set.copyOf(names);
        this.fieldPaths = Set.copyOf(paths);
        Set<String> keys = new TreeSet<>(names);
        for (String path : paths) {
            String last = path.substring(path.lastIndexOf('.') + 1);
            if (!last.isEmpty()) {
                keys.add(normalize(last));
            }
        }
        this.fieldKeys = Set.copyOf(keys);
        this.keyShapes = keyShapes(fieldKeys);
    }

    /** The default rules plus these headers. */
    public Redactor(boolean enabled, Set<String> extraHeaders) {
        this(enabled, Rules.defaults().withHeaders(extraHeaders));
    }

    public static Redactor disabled() {
        return new Redactor(false, Rules.none());
    }

    public boolean enabled() {
        return enabled;
    }

    public Rules rules() {
        return rules;
    }

    public boolean redacts(String headerName) {
        return enabled && rules.headers().contains(headerName.toLowerCase(Locale.ROOT));
    }

    private synchronized void counted(String what) {
        redacted.merge(what, 1L, Long::sum);
        count++;
    }

    /**
     * The value to write down for a header: {@link #MASK} where the header carries a credential;
     * a URL's credentials (Location, Referer...) masked.
     */
    public String headerValue(String name, String value) {
        if (!enabled) {
            return value;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (rules.headers().contains(lower)) {
            if (!MASK.equals(value)) { // one redacted already (a recordtls HAR made into stubs) is not counted again
                counted("header:" + lower);
            }
            return MASK;
        }
        return URL_HEADERS.contains(lower) ? url(value) : value;
    }

    /** A URL with the values of credential query parameters, and a password in it, masked. */
    public String url(String url) {
        if (!enabled || url == null) {
            return url;
        }
        String out = url;
        Matcher userInfo = USER_INFO.matcher(out);
        if (userInfo.find() && !userInfo.group().endsWith("://" + MASK + "@")) {
            counted("url:userinfo");
            out = userInfo.replaceFirst("$1" + MASK + "@");
        }
        int q = out.indexOf('?');
        if (q < 0) {
            return out;
        }
        int hash = out.indexOf('#', q);
        String query = hash < 0 ? out.substring(q + 1) : out.substring(q + 1, hash);
        return out.substring(0, q + 1) + pairs(query, "query:") + (hash < 0 ? "" : out.substring(hash));
    }

    private static final Pattern USER_INFO = Pattern.compile("(?i)^([a-z][a-z0-9+.-]*://)[^/@?#\\s]+@");

    /**
     * A body as text, with credentials masked: fields of a JSON body, parameters of a form. Other
     * bodies, and JSON that does not parse, are kept as they are.
     */
    public String body(String text, String contentType) {
        if (!enabled || text == null || text.isEmpty() || contentType == null) {
            return text;
        }
        String type = BodyText.mediaType(contentType);
        if (type.equals("application/x-www-form-urlencoded")) {
            return pairs(text, "form:");
        }
        if (type.endsWith("/json") || type.endsWith("+json")) {
            return json(text);
        }
        return text;
    }

    /** name=value&amp;... with the values of credential parameters masked, the rest byte for byte as they were. */
    private String pairs(String s, String kind) {
        StringBuilder out = new StringBuilder(s.length());
        String[] parts = s.split("&", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (i > 0) {
                out.append('&');
            }
            int eq = part.indexOf('=');
            String name = eq > 0 ? QueryString.parse(part.substring(0, eq)).stream().findFirst().map(Map.Entry::getKey).orElse("") : "";
            if (eq > 0 && parameters.contains(normalize(name)) && !part.substring(eq + 1).equals(MASK)) {
                counted(kind + name);
                out.append(part, 0, eq + 1).append(MASK);
            } else {
                out.append(part);
            }
        }
        return out.toString();
    }

    private String json(String text) {
        if (!mayHoldAField(text)) {
            return text; // most bodies: parsing them into a tree and walking it cost the recorder a tenth of its time per exchange
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return text;
        }
        if (root == null || !root.isContainerNode()) {
            return text;
        }
        return mask(root, "", "$") ? root.toString() : text;
    }

    /**
     * Whether the text could hold a field the rules mask: one of its object keys (a string
     * followed by ':'), compared as names are (no case, '_', '-' or '.'), is a rule's name. One
     * pass, no copy of the text: building a lowered copy of every JSON body to search it was a
     * fifth of the recorder's time on 128 KiB bodies. A key with an escape in it could spell a
     * name any way, and a string left open is for the parser to judge: both say yes.
     */
    private boolean mayHoldAField(String text) {
        if (fieldKeys.isEmpty()) {
            return false;
        }
        int n = text.length();
        for (int open = text.indexOf('"'); open >= 0; open = text.indexOf('"', open)) {
            int close = open + 1;
            boolean escaped = false;
            while (close < n && text.charAt(close) != '"') {
                if (text.charAt(close) == '\\') {
                    escaped = true;
                    close++;
                }
                close++;
            }
            if (close >= n) {
                return true;
            }
            int after = close + 1;
            while (after < n && isJsonSpace(text.charAt(after))) {
                after++;
            }
            if (after < n && text.charAt(after) == ':' && (escaped || isFieldKey(text, open + 1, close))) {
                return true;
            }
            open = close + 1;
        }
        return false;
    }

    /**
     * Whether text[from, to), normalized, is a rule's name. An ASCII key is first checked against
     * the lengths and first letters the names have, with no string made: a body's thousands of
     * "id" and "price" keys each cost a normalized copy and a set lookup before.
     */
    private boolean isFieldKey(String text, int from, int to) {
        int length = 0;
        char first = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c >= 128) {
                return fieldKeys.contains(normalize(text.substring(from, to))); // case rules beyond ASCII
            }
            if (c != '_' && c != '-' && c != '.') {
                if (length++ == 0) {
                    first = Character.toLowerCase(c);
                }
            }
        }
        return keyShapes.get(shape(length, first)) && fieldKeys.contains(normalize(text.substring(from, to)));
    }

    /** A normalized name's length and first letter, as one bit index; names of 64 letters or more share one. */
    private static int shape(int length, char first) {
        return Math.min(length, 64) * 128 + (first & 127);
    }

    private static java.util.BitSet keyShapes(Set<String> keys) {
        java.util.BitSet shapes = new java.util.BitSet();
        for (String key : keys) {
            char first = key.isEmpty() ? 0 : key.charAt(0);
            if (first >= 128) {
                shapes.set(0, 65 * 128); // a name that starts beyond ASCII: every key is looked up
            } else {
                shapes.set(shape(key.length(), first));
            }
        }
        return shapes;
    }

    private static boolean isJsonSpace(char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    private static final com.fasterxml.jackson.core.JsonFactory LARGE = HarJson.factory();

    /**
     * A JSON body too big to hold as a tree, redacted as a stream (the same rules as
     * {@link #body}): whether any field is masked. With {@code out} null it only looks and counts
     * nothing; otherwise it writes the body compact with those fields masked, numbers as written.
     * Not JSON, or not an object or array: false, and what went to {@code out} is to be dropped.
     */
    public boolean jsonStream(java.io.InputStream in, java.io.OutputStream out) {
        if (!enabled) {
            return false;
        }
        try (com.fasterxml.jackson.core.JsonParser p = LARGE.createParser(in);
             com.fasterxml.jackson.core.JsonGenerator g = out == null ? null : LARGE.createGenerator(out)) {
            com.fasterxml.jackson.core.JsonToken t = p.nextToken();
            if (t != com.fasterxml.jackson.core.JsonToken.START_OBJECT && t != com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
                return false;
            }
            boolean changed = false;
            // for each open container: the dotted path and the shown path its members are under
            java.util.Deque<String[]> open = new java.util.ArrayDeque<>();
            String[] pending = t == com.fasterxml.jackson.core.JsonToken.START_OBJECT ? new String[]{"", "$"} : new String[]{"", "$[]"};
            for (; t != null; t = p.nextToken()) {
                switch (t) {
                    case START_OBJECT, START_ARRAY -> {
                        String[] ctx = pending != null ? pending : open.peek();
                        pending = null;
                        open.push(t == com.fasterxml.jackson.core.JsonToken.START_ARRAY && open.peek() == ctx
                                ? new String[]{ctx[0], ctx[1] + "[]"} : ctx);
                        if (g != null) {
                            g.copyCurrentEvent(p);
                        }
                    }
                    case END_OBJECT, END_ARRAY -> {
                        open.pop();
                        if (g != null) {
                            g.copyCurrentEvent(p);
                        }
                    }
                    case FIELD_NAME -> {
                        String name = p.currentName();
                        String[] ctx = open.peek();
                        String childPath = ctx[0].isEmpty() ? name : ctx[0] + "." + name;
                        String childShown = ctx[1] + "." + name;
                        if (g != null) {
                            g.writeFieldName(name);
                        }
                        com.fasterxml.jackson.core.JsonToken v = p.nextToken();
                        boolean match = fieldNames.contains(normalize(name)) || fieldPaths.contains(childPath);
                        if (match && v != com.fasterxml.jackson.core.JsonToken.VALUE_NULL
                                && !(v == com.fasterxml.jackson.core.JsonToken.VALUE_STRING && p.getText().equals(MASK))) {
                            changed = true;
                            p.skipChildren();
                            if (g != null) {
                                counted("json:" + childShown);
                                g.writeString(MASK);
                            }
                        } else if (v == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                            open.push(new String[]{childPath, childShown});
                            if (g != null) {
                                g.writeStartObject();
                            }
                        } else if (v == com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
                            open.push(new String[]{childPath, childShown + "[]"});
                            if (g != null) {
                                g.writeStartArray();
                            }
                        } else if (g != null) {
                            copyScalar(p, g);
                        }
                    }
                    default -> {
                        if (g != null) {
                            copyScalar(p, g);
                        }
                    }
                }
                if (open.isEmpty()) {
                    break;
                }
            }
            return changed;
        } catch (java.io.IOException | RuntimeException notJson) {
            return false;
        }
    }

    private static void copyScalar(com.fasterxml.jackson.core.JsonParser p, com.fasterxml.jackson.core.JsonGenerator g) throws java.io.IOException {
        switch (p.currentToken()) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getText()); // as written
            case VALUE_STRING -> g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            default -> g.copyCurrentEvent(p);
        }
    }

    /** Masks matching fields under {@code node}; {@code path} is its dotted path, {@code shown} as reported. */
    private boolean mask(JsonNode node, String path, String shown) {
        boolean changed = false;
        if (node instanceof ObjectNode o) {
            for (var field : o.properties()) {
                String childPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                String childShown = shown + "." + field.getKey();
                JsonNode value = field.getValue();
                if ((fieldNames.contains(normalize(field.getKey())) || fieldPaths.contains(childPath))
                        && !value.isNull() && !(value.isTextual() && value.textValue().equals(MASK))) {
                    counted("json:" + childShown);
                    field.setValue(TextNode.valueOf(MASK));
                    changed = true;
                } else {
                    changed |= mask(value, childPath, childShown);
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (JsonNode element : a) {
                changed |= mask(element, path, shown + "[]");
            }
        }
        return changed;
    }

    /**
     * An exchange read from a HAR (from DevTools, mitmproxy, or recordtls with other rules), as it
     * may be made into stubs: its URL, headers and bodies redacted as a recording is.
     */
    public RecordedExchange exchange(RecordedExchange x) {
        if (!enabled) {
            return x;
        }
        java.net.URI url;
        try {
            url = new java.net.URI(url(x.url().toString()));
        } catch (java.net.URISyntaxException e) {
            url = x.url(); // what was a URL stays one with MASK in a query value; kept as read otherwise
        }
        return new RecordedExchange(x.source(), x.index(), x.method(), url, headers(x.requestHeaders()),
                bodyBytes(x.requestBody(), x.requestContentType()), x.requestContentType(), x.status(), x.statusText(),
                headers(x.responseHeaders()), bodyBytes(x.responseBody(), x.responseContentType()), x.responseContentType(),
                x.incomplete(), x.truncated(), headers(x.responseTrailers()));
    }

    private List<de.sstoehr.harreader.model.HarHeader> headers(List<de.sstoehr.harreader.model.HarHeader> in) {
        List<de.sstoehr.harreader.model.HarHeader> out = new ArrayList<>(in.size());
        for (var h : in) {
            String v = headerValue(h.name(), h.value());
            out.add(v.equals(h.value()) ? h : h.toBuilder().value(v).build());
        }
        return out;
    }

    private byte[] bodyBytes(byte[] body, String contentType) {
        if (body.length == 0 || contentType == null || !BodyText.isTextual(contentType)) {
            return body;
        }
        BodyText text = BodyText.of(body, contentType);
        if (text.encoding() != null) {
            return body;
        }
        String redactedText = body(text.text(), contentType);
        return redactedText.equals(text.text()) ? body : redactedText.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** An option that sets a secret: -Dx.password=..., --client-secret=..., -Dapi.key=... */
    private static final Pattern SECRET_OPTION = Pattern.compile(
            "(?i)-{1,2}[a-z0-9_.:-]*(pass(word|wd|phrase)?|secret|token|credentials?|api[_.-]?key|private[_.-]?key)[a-z0-9_.-]*=.+");

    /** Options whose next argument is a credential (curl's, wget's, httpie's spellings). */
    private static final Set<String> SECRET_ARGUMENT_OPTIONS = Set.of("-u", "--user", "-U", "--proxy-user", "--oauth2-bearer",
            "-b", "--cookie", "--password", "--http-password", "--proxy-password", "--pass", "--key-password", "--cert", "--auth");

    /** Options whose next argument is a request body: its credential parameters are masked. */
    private static final Set<String> BODY_OPTIONS = Set.of("-d", "--data", "--data-raw", "--data-ascii", "--data-binary",
            "--data-urlencode", "-F", "--form", "--form-string", "--json");

    /**
     * A recorded command line as it may be written down: values of credential options (-u,
     * --oauth2-bearer, -b...), header arguments ("Authorization: ...") of redacted headers,
     * credential parameters in bodies (-d password=...) and URLs, and options that set a secret.
     */
    public String commandLine(List<String> argv) {
        StringBuilder out = new StringBuilder();
        String previous = "";
        for (String arg : argv) {
            String shown = enabled ? argumentCountedOnce(previous, arg) : arg;
            out.append(out.isEmpty() ? "" : " ").append(shown.contains(" ") || shown.isEmpty() ? "'" + shown + "'" : shown);
            previous = arg;
        }
        return out.toString();
    }

    /** An argument as written down, counted as one "commandLine" value whatever rules masked it. */
    private synchronized String argumentCountedOnce(String previous, String arg) {
        Map<String, Long> before = new TreeMap<>(redacted);
        long countBefore = count;
        String shown = argument(previous, arg);
        redacted.clear();
        redacted.putAll(before);
        count = countBefore;
        if (!shown.equals(arg)) {
            counted("commandLine");
        }
        return shown;
    }

    private String argument(String previous, String arg) {
        if (SECRET_ARGUMENT_OPTIONS.contains(previous)) {
            return MASK;
        }
        int eq = arg.indexOf('=');
        if (arg.startsWith("--") && eq > 0 && SECRET_ARGUMENT_OPTIONS.contains(arg.substring(0, eq))) {
            return arg.substring(0, eq + 1) + MASK; // --oauth2-bearer=...
        }
        if (arg.length() > 2 && Set.of("-u", "-b").contains(arg.substring(0, 2)) && !arg.startsWith("--")) {
            return arg.substring(0, 2) + MASK; // -uuser:pw
        }
        if (BODY_OPTIONS.contains(previous)) {
            return arg.startsWith("{") || arg.startsWith("[") ? json(arg) : pairs(arg, "form:");
        }
        int colon = arg.indexOf(':');
        if (colon > 0 && !arg.contains("://") && rules.headers().contains(arg.substring(0, colon).trim().toLowerCase(Locale.ROOT))) {
            return arg.substring(0, colon) + ": " + MASK;
        }
        if (SECRET_OPTION.matcher(arg).matches()) {
            // -Djavax.net.ssl.keyStorePassword=..., -Dspring.datasource.password=..., --api-token=...
            return arg.substring(0, arg.indexOf('=') + 1) + MASK;
        }
        return url(arg.replaceAll("(?i)(\\b[a-z][a-z0-9+.-]*://)[^/@\\s:]+:[^/@\\s]+@", "$1" + MASK + "@"));
    }

    /**
     * What the HAR says of redaction: on or off, the rules, and what was redacted (names and
     * paths with how often, never values); the counts only when {@code withCounts}.
     */
    public synchronized Map<String, Object> report(boolean withCounts) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("enabled", enabled);
        r.put("replacement", MASK);
        if (enabled) {
            r.put("headers", sorted(rules.headers()));
            r.put("parameters", sorted(rules.parameters()));
            r.put("jsonFields", sorted(rules.jsonFields()));
        }
        if (withCounts) {
            r.put("redacted", new LinkedHashMap<>(redacted));
            r.put("redactedValues", count);
        }
        return r;
    }

    /** Header names configured for redaction, sorted (what the HAR says it redacts). */
    public List<String> configured() {
        return enabled ? sorted(rules.headers()) : List.of();
    }

    /** What was redacted ("header:authorization", "query:api_key", "json:$.password"...) and how often. */
    public synchronized Map<String, Long> counts() {
        return new LinkedHashMap<>(redacted);
    }

    public synchronized List<String> redactedNames() {
        List<String> out = new ArrayList<>();
        redacted.keySet().forEach(k -> out.add(k.substring(k.indexOf(':') + 1)));
        return out;
    }

    public synchronized long redactedValues() {
        return count;
    }

    private static List<String> sorted(Set<String> s) {
        return new ArrayList<>(new TreeSet<>(s));
    }

    /** Names compared without case, '_', '-' or '.': accessToken, access_token and Access-Token are one. */
    static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        // most names have none of the three: no matcher for them (this runs for every JSON key a body holds)
        return lower.indexOf('_') < 0 && lower.indexOf('-') < 0 && lower.indexOf('.') < 0 ? lower : NOT_IN_NAMES.matcher(lower).replaceAll("");
    }

    /** Compiled once: normalize runs for every header, query parameter and JSON field (String.replaceAll compiles each call). */
    private static final Pattern NOT_IN_NAMES = Pattern.compile("[_.-]");

    private static Set<String> normalized(Set<String> names) {
        Set<String> out = new TreeSet<>();
        names.forEach(n -> out.add(normalize(n)));
        return Set.copyOf(out);
    }
}
