package io.recordtls.junit;

import io.recordtls.har.RecordedExchange;

import java.net.URI;
import java.util.Locale;

/** scheme://host:port, the key a recorded exchange and a replay server share. */
record Origin(String scheme, String host, int port) {
    static Origin of(URI uri) {
        String scheme = uri.getScheme() == null ? "https" : uri.getScheme().toLowerCase(Locale.ROOT);
        return new Origin(scheme, uri.getHost().toLowerCase(Locale.ROOT), RecordedExchange.port(uri));
    }

    static Origin parse(String origin) {
        URI uri = URI.create(origin.contains("://") ? origin : "https://" + origin);
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("not an origin: \"" + origin + "\" (expected e.g. https://api.example.com:8443)");
        }
        return of(uri);
    }

    boolean loopback() {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    @Override
    public String toString() {
        return scheme + "://" + host + ":" + port;
    }
}
