package io.recordtls.junit;

import com.github.tomakehurst.wiremock.client.CountMatchingStrategy;
import com.github.tomakehurst.wiremock.client.VerificationException;
import com.github.tomakehurst.wiremock.http.ImmutableRequest;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.matching.RequestPattern;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import de.sstoehr.harreader.model.HarHeader;
import io.recordtls.har.RecordedExchange;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * WireMock's request patterns over a test's exchanges: what {@link TlsRecording#verify} and
 * {@link TlsRecording#findAll} do, the same while recording (the HAR so far) and replaying (what
 * the replay served), each request under its recorded URL.
 */
final class ExchangeMatching {
    private ExchangeMatching() {}

    static List<RecordedExchange> findAll(List<RecordedExchange> exchanges, RequestPatternBuilder pattern) {
        RequestPattern p = pattern.build();
        List<RecordedExchange> out = new ArrayList<>();
        for (RecordedExchange x : exchanges) {
            if (p.match(request(x)).isExactMatch()) {
                out.add(x);
            }
        }
        return out;
    }

    static void verify(List<RecordedExchange> exchanges, CountMatchingStrategy count, RequestPatternBuilder pattern) {
        int matched = findAll(exchanges, pattern).size();
        if (!count.match(matched)) {
            throw new VerificationException("expected " + count.toString().toLowerCase(java.util.Locale.ROOT) + " exchanges matching\n" + pattern.build() + "\nbut " + matched
                    + " matched, of these " + exchanges.size() + ":\n" + exchanges.stream()
                    .map(x -> "  " + x.method() + " " + x.url() + " -> " + x.status()).collect(Collectors.joining("\n")));
        }
    }

    /** The exchange's request as WireMock sees one: method, absolute URL (host, port, path, query), headers, body. */
    static Request request(RecordedExchange x) {
        ImmutableRequest.Builder b = ImmutableRequest.create().withAbsoluteUrl(x.url().toString())
                .withMethod(RequestMethod.fromString(x.method())).withProtocol("HTTP/1.1").withBody(x.requestBody());
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HarHeader h : x.requestHeaders()) {
            headers.computeIfAbsent(h.name(), n -> new ArrayList<>()).add(h.value());
        }
        headers.forEach(b::withHeader);
        return b.build();
    }
}
