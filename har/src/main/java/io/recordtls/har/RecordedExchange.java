package io.recordtls.har;

import java.net.URI;
import java.util.List;

/**
 * One HAR entry, checked and decoded: what the replayer needs of it. Bodies are the decoded
 * bytes (HAR's content.text after base64 where the entry says so).
 */
public record RecordedExchange(String source, int index, String method, URI url, List<NameValue> requestHeaders,
                               byte[] requestBody, String requestContentType, int status, String statusText,
                               List<NameValue> responseHeaders, byte[] responseBody, String responseContentType,
                               boolean incomplete) {
    public record NameValue(String name, String value) {}

    public String requestHeader(String name) {
        return first(requestHeaders, name);
    }

    public String responseHeader(String name) {
        return first(responseHeaders, name);
    }

    private static String first(List<NameValue> headers, String name) {
        for (NameValue h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    /** The port the client talked to: explicit in the URL or the scheme's default. */
    public int port() {
        return port(url);
    }

    /** A URL's port: explicit, or its scheme's default (http 80, anything else 443). */
    public static int port(URI url) {
        if (url.getPort() > 0) {
            return url.getPort();
        }
        return "http".equalsIgnoreCase(url.getScheme()) ? 80 : 443;
    }
}
