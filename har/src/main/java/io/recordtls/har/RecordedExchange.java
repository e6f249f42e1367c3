package io.recordtls.har;

import de.sstoehr.harreader.model.HarHeader;

import java.net.URI;
import java.util.List;

/**
 * One HAR entry, checked and decoded: what the replayer needs of it. Headers are har-reader's
 * (the model the recorder writes); bodies are the decoded bytes (HAR's content.text after
 * base64 where the entry says so). {@code truncated} names the bodies ("request", "response")
 * that the file says were cut short: what is there is only their beginning.
 * {@code responseTrailers} are the fields sent after the response body (HTTP/2 trailers: gRPC's
 * grpc-status and grpc-message; a chunked HTTP/1.1 body's trailer), as the recorder writes them
 * in {@code response._trailers}.
 */
public record RecordedExchange(String source, int index, String method, URI url, List<HarHeader> requestHeaders,
                               byte[] requestBody, String requestContentType, int status, String statusText,
                               List<HarHeader> responseHeaders, byte[] responseBody, String responseContentType,
                               boolean incomplete, List<String> truncated, List<HarHeader> responseTrailers) {
    /** Without trailers: a response that ended with its body. */
    public RecordedExchange(String source, int index, String method, URI url, List<HarHeader> requestHeaders,
                            byte[] requestBody, String requestContentType, int status, String statusText,
                            List<HarHeader> responseHeaders, byte[] responseBody, String responseContentType,
                            boolean incomplete, List<String> truncated) {
        this(source, index, method, url, requestHeaders, requestBody, requestContentType, status, statusText, responseHeaders,
                responseBody, responseContentType, incomplete, truncated, List.of());
    }

    /** Without truncated bodies: what the replayer's own recordings of a test are. */
    public RecordedExchange(String source, int index, String method, URI url, List<HarHeader> requestHeaders,
                            byte[] requestBody, String requestContentType, int status, String statusText,
                            List<HarHeader> responseHeaders, byte[] responseBody, String responseContentType,
                            boolean incomplete) {
        this(source, index, method, url, requestHeaders, requestBody, requestContentType, status, statusText, responseHeaders,
                responseBody, responseContentType, incomplete, List.of());
    }

    public String requestHeader(String name) {
        return first(requestHeaders, name);
    }

    public String responseHeader(String name) {
        return first(responseHeaders, name);
    }

    private static String first(List<HarHeader> headers, String name) {
        for (HarHeader h : headers) {
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
