package io.recordtls.replayer.stubs;

import io.recordtls.har.Redactor;

import java.util.List;
import java.util.Set;

/**
 * How recorded requests become matchers.
 *
 * @param matchHeaders   request headers a stub requires (besides method, host, port, path, query, body)
 * @param matchHost      require the recorded host and port (one stub set for several upstreams)
 * @param ignoreQuery    query parameters that change from run to run (timestamps, nonces)
 * @param ignoreJson     fields of JSON request bodies that change from run to run, as paths: "meta.requestId"
 * @param repeatLast     after the recorded responses of a repeated request, keep serving the last one
 * @param reencode       serve bodies with their recorded Content-Encoding (gzip, deflate, zstd) instead of decoded
 * @param inlineLimit    bodies up to this size, when text, go inline in the mapping; bigger or binary ones to __files
 * @param redaction      what is redacted from the exchanges before they become stubs (a HAR from DevTools holds
 *                       every credential), null for nothing: the recorder's rules ({@link Redactor.Rules#defaults()})
 */
public record StubOptions(Set<String> matchHeaders, boolean matchHost, Set<String> ignoreQuery, List<String> ignoreJson,
                          boolean repeatLast, boolean reencode, int inlineLimit, Redactor.Rules redaction) {
    public static StubOptions defaults() {
        return new StubOptions(Set.of("Content-Type"), true, Set.of(), List.of(), false, false, 64 * 1024, Redactor.Rules.defaults());
    }

    public StubOptions withRedaction(Redactor.Rules rules) {
        return new StubOptions(matchHeaders, matchHost, ignoreQuery, ignoreJson, repeatLast, reencode, inlineLimit, rules);
    }

    public StubOptions withMatchHeaders(Set<String> headers) {
        return new StubOptions(Set.copyOf(headers), matchHost, ignoreQuery, ignoreJson, repeatLast, reencode, inlineLimit, redaction);
    }

    public StubOptions withMatchHost(boolean on) {
        return new StubOptions(matchHeaders, on, ignoreQuery, ignoreJson, repeatLast, reencode, inlineLimit, redaction);
    }

    public StubOptions withIgnored(Set<String> query, List<String> jsonPaths) {
        return new StubOptions(matchHeaders, matchHost, Set.copyOf(query), List.copyOf(jsonPaths), repeatLast, reencode, inlineLimit, redaction);
    }

    public StubOptions withRepeatLast(boolean on) {
        return new StubOptions(matchHeaders, matchHost, ignoreQuery, ignoreJson, on, reencode, inlineLimit, redaction);
    }

    public StubOptions withReencode(boolean on) {
        return new StubOptions(matchHeaders, matchHost, ignoreQuery, ignoreJson, repeatLast, on, inlineLimit, redaction);
    }
}
