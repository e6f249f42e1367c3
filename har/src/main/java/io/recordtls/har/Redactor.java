package io.recordtls.har;


import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Removes credentials from what is recorded: recordings end up in repositories. A redacted
 * header keeps its name and loses its value.
 */
public final class Redactor {
    public static final String MASK = "REDACTED";

    /** Headers that carry credentials in common APIs. */
    public static final Set<String> DEFAULT_HEADERS = Set.of(
            "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token",
            "x-access-token", "x-amz-security-token", "x-goog-api-key", "x-csrf-token", "x-xsrf-token",
            "private-token", "x-vault-token", "ocp-apim-subscription-key");

    private final boolean enabled;
    private final Set<String> headers;
    private final Set<String> seen = new TreeSet<>();
    private long count;

    public Redactor(boolean enabled, Set<String> extraHeaders) {
        this.enabled = enabled;
        Set<String> all = new TreeSet<>(DEFAULT_HEADERS);
        extraHeaders.forEach(h -> all.add(h.toLowerCase(Locale.ROOT)));
        this.headers = Set.copyOf(all);
    }

    public static Redactor disabled() {
        return new Redactor(false, Set.of());
    }

    public boolean enabled() {
        return enabled;
    }

    public boolean redacts(String headerName) {
        return enabled && headers.contains(headerName.toLowerCase(Locale.ROOT));
    }

    /** The value to write down for a header: {@link #MASK} where the header carries a credential. */
    public synchronized String headerValue(String name, String value) {
        if (!redacts(name)) {
            return value;
        }
        seen.add(name.toLowerCase(Locale.ROOT));
        count++;
        return MASK;
    }

    /**
     * A recorded command line as it may be written down: header arguments ("Authorization: ...")
     * of redacted headers, the argument after -u/--user, and passwords in URLs are masked.
     */
    /** An option that sets a secret: -Dx.password=..., --client-secret=..., -Dapi.key=... */
    private static final java.util.regex.Pattern SECRET_OPTION = java.util.regex.Pattern.compile(
            "(?i)-{1,2}[a-z0-9_.:-]*(pass(word|wd|phrase)?|secret|token|credentials?|api[_.-]?key|private[_.-]?key)[a-z0-9_.-]*=.+");

    public synchronized String commandLine(List<String> argv) {
        StringBuilder out = new StringBuilder();
        boolean maskNext = false;
        for (String arg : argv) {
            String shown = arg;
            if (enabled) {
                int colon = arg.indexOf(':');
                if (maskNext) {
                    shown = MASK;
                } else if (colon > 0 && redacts(arg.substring(0, colon).trim())) {
                    shown = arg.substring(0, colon) + ": " + MASK;
                } else if (SECRET_OPTION.matcher(arg).matches()) {
                    // -Djavax.net.ssl.keyStorePassword=..., -Dspring.datasource.password=..., --api-token=...
                    shown = arg.substring(0, arg.indexOf('=') + 1) + MASK;
                } else {
                    shown = arg.replaceAll("(?i)(\\b[a-z][a-z0-9+.-]*://)[^/@\\s:]+:[^/@\\s]+@", "$1" + MASK + "@");
                }
                if (!shown.equals(arg)) {
                    count++;
                }
                maskNext = arg.equals("-u") || arg.equals("--user") || arg.equals("--proxy-user");
            }
            out.append(out.isEmpty() ? "" : " ").append(shown.contains(" ") || shown.isEmpty() ? "'" + shown + "'" : shown);
        }
        return out.toString();
    }

    /** Header names configured for redaction, sorted (what the HAR says it redacts). */
    public List<String> configured() {
        return enabled ? headers.stream().sorted().collect(Collectors.toList()) : List.of();
    }

    public synchronized List<String> redactedNames() {
        return List.copyOf(seen);
    }

    public synchronized long redactedValues() {
        return count;
    }
}
