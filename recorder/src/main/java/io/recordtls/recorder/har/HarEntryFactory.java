package io.recordtls.recorder.har;

import io.recordtls.har.BodyText;
import io.recordtls.har.ContentDecoder;
import io.recordtls.har.QueryString;
import io.recordtls.har.Redactor;
import de.sstoehr.harreader.model.HarCache;
import de.sstoehr.harreader.model.HarContent;
import de.sstoehr.harreader.model.HarCookie;
import de.sstoehr.harreader.model.HarEntry;
import de.sstoehr.harreader.model.HarHeader;
import de.sstoehr.harreader.model.HarPostData;
import de.sstoehr.harreader.model.HarPostDataParam;
import de.sstoehr.harreader.model.HarQueryParam;
import de.sstoehr.harreader.model.HarRequest;
import de.sstoehr.harreader.model.HarResponse;
import de.sstoehr.harreader.model.HarTiming;
import io.recordtls.recorder.http.BodyCapture;
import io.recordtls.recorder.http.CapturedMessage;
import io.recordtls.recorder.http.ConnectionInfo;
import io.recordtls.recorder.http.Exchange;
import io.recordtls.recorder.http.Header;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.HttpCookie;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One {@link Exchange} as a HAR 1.2 entry: decoded bodies, redacted credentials, timings. */
public final class HarEntryFactory {
    private final MonotonicClock clock;
    private final Redactor redactor;
    private final long maxDecodedBody;

    /** {@code maxDecodedBody}: --max-body, which bounds a body after Content-Encoding is undone too. */
    public HarEntryFactory(MonotonicClock clock, Redactor redactor, long maxDecodedBody) {
        this.clock = clock;
        this.redactor = redactor;
        this.maxDecodedBody = maxDecodedBody;
    }

    public HarEntry entry(Exchange x) {
        CapturedMessage req = x.request();
        CapturedMessage res = x.response();
        ConnectionInfo conn = x.connection();
        HarTiming timing = timing(req, res);
        long time = 0;
        for (Long t : List.of(timing.send(), timing.waitTime(), timing.receive())) {
            time += Math.max(0, t);
        }
        HarEntry.HarEntryBuilder builder = HarEntry.builder()
                .startedDateTime(clock.toWall(req.tsStart))
                .time((int) Math.min(Integer.MAX_VALUE, time))
                .request(request(req, conn))
                .response(response(res, x.protocol()))
                .cache(new HarCache())
                .timings(timing)
                .connection(Long.toString(conn.connId()));
        if (conn.server() != null) {
            builder.serverIPAddress(conn.server().getAddress().getHostAddress());
        }
        HarEntry entry = builder.build();
        entry.setAdditionalField("_pid", conn.pid());
        entry.setAdditionalField("_process", conn.process());
        if (conn.container() != null) {
            entry.setAdditionalField("_container", conn.container());
        }
        entry.setAdditionalField("_tlsLibrary", conn.tlsLibrary());
        if (!conn.clientSide()) {
            entry.setAdditionalField("_recordedSide", "server");
        }
        if (req.pushed) {
            entry.setAdditionalField("_pushed", true);
        }
        boolean incomplete = !req.complete || res == null || !res.complete;
        if (incomplete) {
            entry.setAdditionalField("_incomplete", true);
        }
        if (!x.notes().isEmpty()) {
            entry.setAdditionalField("_notes", x.notes());
        }
        Map<String, Long> lost = new LinkedHashMap<>();
        if (req.lostBytes > 0) {
            lost.put("request", req.lostBytes);
        }
        if (res != null && res.lostBytes > 0) {
            lost.put("response", res.lostBytes);
        }
        if (!lost.isEmpty()) {
            entry.setAdditionalField("_lostBytes", lost);
        }
        return entry;
    }

    private HarTiming timing(CapturedMessage req, CapturedMessage res) {
        long send = req.tsEnd >= req.tsStart ? ms(req.tsEnd - req.tsStart) : -1;
        long wait = -1, receive = -1;
        if (res != null) {
            long requestDone = req.tsEnd >= 0 ? req.tsEnd : req.tsStart;
            wait = ms(Math.max(0, res.tsStart - requestDone));
            receive = res.tsEnd >= res.tsStart ? ms(res.tsEnd - res.tsStart) : -1;
        }
        return HarTiming.builder().blocked(-1L).dns(-1L).connect(-1L).ssl(-1L)
                .send(send).waitTime(wait).receive(receive).build();
    }

    private static long ms(long nanos) {
        return Math.round(nanos / 1_000_000.0);
    }

    private HarRequest request(CapturedMessage req, ConnectionInfo conn) {
        String url = redactor.url(url(req, conn));
        String contentType = req.header("Content-Type");
        HarPostData postData = null;
        if (req.body.size() > 0 || req.header("Content-Length") != null && !"0".equals(req.header("Content-Length"))) {
            BodyText text = text(req.body, contentType);
            postData = HarPostData.builder()
                    .mimeType(contentType == null ? "" : contentType)
                    .text(text.text())
                    .params(StreamedBody.of(text.text()) != null ? List.of() : formParams(contentType, text))
                    .build();
            if (text.encoding() != null) {
                postData.setAdditionalField("_encoding", text.encoding()); // as the HAR 1.3 draft proposes
            }
            if (req.body.truncated()) {
                postData.setAdditionalField("_truncated", Map.of("size", req.body.size(), "kept", req.body.kept()));
            }
        }
        HarRequest.HarRequestBuilder r = HarRequest.builder()
                .method(req.method)
                .url(url)
                .httpVersion(req.version)
                .cookies(requestCookies(req))
                .headers(harHeaders(req.headers))
                .queryString(query(url))
                .headersSize(req.headersSize)
                .bodySize(req.body.size());
        if (postData != null) {
            r.postData(postData);
        }
        return r.build();
    }

    private HarResponse response(CapturedMessage res, String protocol) {
        if (res == null) {
            // HAR has no place for "no response": status 0, as browsers write for a failed request.
            return HarResponse.builder().status(0).statusText("").httpVersion(protocol)
                    .cookies(List.of()).headers(List.of())
                    .content(HarContent.builder().size(0L).mimeType("x-unknown").build())
                    .redirectURL("").headersSize(-1L).bodySize(-1L).build();
        }
        String contentType = res.header("Content-Type");
        BodyCapture wire = res.body;
        HarContent.HarContentBuilder content = HarContent.builder().mimeType(contentType == null ? "" : contentType);
        BodyCapture body = wire;
        String decodeError = null;
        String contentEncoding = res.header("Content-Encoding");
        if (!res.body.truncated() && res.lostBytes == 0) {
            if (ContentDecoder.encoded(contentEncoding)) {
                // decoded as a stream into a capture of its own: held in memory only when small
                BodyCapture decoded = new BodyCapture(Long.MAX_VALUE);
                decodeError = ContentDecoder.decodeTo(wire.open(), contentEncoding, decoded.sink(), maxDecodedBody);
                if (decodeError == null) {
                    body = decoded;
                    content.compression(Math.max(0, body.kept() - wire.kept()));
                } else {
                    decoded.close();
                }
            }
        } else if (contentEncoding != null) {
            decodeError = "body incomplete: kept as sent (" + contentEncoding + ")";
        }
        BodyText text = text(body, decodeError != null ? null : contentType, contentType, body != wire);
        content.size(body.kept()).text(text.text()).encoding(text.encoding());
        if (body != wire && StreamedBody.of(text.text()) == null) {
            body.close(); // a decoded body now held by the entry's text, or written out by the HAR writer
        }
        HarContent c = content.build();
        if (decodeError != null) {
            c.setAdditionalField("_decodeError", decodeError);
        }
        if (res.body.truncated() || res.cappedBytes > 0) {
            c.setAdditionalField("_truncated", Map.of("size", res.body.size(), "kept", wire.kept()));
        }
        String location = res.header("Location");
        HarResponse r = HarResponse.builder()
                .status(res.status)
                .statusText(res.reason == null ? "" : res.reason)
                .httpVersion(res.version)
                .cookies(responseCookies(res))
                .headers(harHeaders(res.headers))
                .content(c)
                .redirectURL(location == null ? "" : redactor.url(location))
                .headersSize(res.headersSize)
                .bodySize(res.body.size())
                .build();
        if (!res.trailers.isEmpty()) {
            r.setAdditionalField("_trailers", harHeaders(res.trailers));
        }
        return r;
    }

    private BodyText text(BodyCapture body, String contentType) {
        return text(body, contentType, contentType, false);
    }

    /**
     * A body as the entry holds it: redacted text, base64, or for a body spooled to disk the
     * marker of a {@link StreamedBody} (never a String of its size). {@code owned}: the capture
     * was made here (a decoded body) and goes with the streamed body.
     */
    private BodyText text(BodyCapture body, String contentType, String redactAs, boolean owned) {
        String mediaType = contentType == null ? "" : BodyText.mediaType(contentType);
        // form bodies are parsed into params: a big one is read whole, as before
        if (body.inMemory() || mediaType.equals("application/x-www-form-urlencoded")) {
            BodyText recorded = BodyText.of(body.bytes(), contentType);
            return recorded.encoding() != null ? recorded : new BodyText(redactor.body(recorded.text(), redactAs), null);
        }
        Charset charset = BodyText.charset(contentType);
        boolean declaredText = BodyText.isTextual(contentType);
        if ((declaredText || mediaType.isEmpty()) && isText(body, charset, declaredText)) {
            if ((mediaType.endsWith("/json") || mediaType.endsWith("+json")) && redactor.jsonStream(body.open(), null)) {
                BodyCapture redacted = new BodyCapture(Long.MAX_VALUE);
                if (redactor.jsonStream(body.open(), redacted.sink())) {
                    return new BodyText(StreamedBody.text(redacted, StandardCharsets.UTF_8, true).marker(), null);
                }
                redacted.close();
            }
            return new BodyText(StreamedBody.text(body, charset, owned).marker(), null);
        }
        return new BodyText(StreamedBody.base64(body, owned).marker(), "base64");
    }

    /** BodyText's test, as a stream: decodes strictly, and without a declared text type refuses control characters. */
    private static boolean isText(BodyCapture body, Charset charset, boolean declaredText) {
        CharsetDecoder strict = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (Reader r = new InputStreamReader(body.open(), strict)) {
            char[] buf = new char[1 << 15];
            for (int n; (n = r.read(buf)) > 0; ) {
                for (int i = 0; i < n && !declaredText; i++) {
                    char ch = buf[i];
                    if (ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t') {
                        return false;
                    }
                }
            }
            return true;
        } catch (IOException malformed) {
            return false;
        }
    }

    /** The entry is written everywhere it goes: what its streamed bodies hold is freed. */
    public static void release(HarEntry entry) {
        if (entry.request() != null && entry.request().postData() != null) {
            StreamedBody.release(entry.request().postData().text());
        }
        if (entry.response() != null && entry.response().content() != null) {
            StreamedBody.release(entry.response().content().text());
        }
    }

    private List<HarHeader> harHeaders(List<Header> headers) {
        List<HarHeader> out = new ArrayList<>();
        for (Header h : headers) {
            out.add(HarHeader.builder().name(h.name()).value(redactor.headerValue(h.name(), h.value())).build());
        }
        return out;
    }

    private List<HarCookie> requestCookies(CapturedMessage req) {
        List<HarCookie> cookies = new ArrayList<>();
        for (Header h : req.headers) {
            if (!h.name().equalsIgnoreCase("Cookie")) {
                continue;
            }
            for (String pair : h.value().split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    cookies.add(HarCookie.builder().name(pair.substring(0, eq).trim())
                            .value(redactor.redacts("cookie") ? Redactor.MASK : pair.substring(eq + 1).trim()).build());
                }
            }
        }
        return cookies;
    }

    private List<HarCookie> responseCookies(CapturedMessage res) {
        List<HarCookie> cookies = new ArrayList<>();
        for (Header h : res.headers) {
            if (!h.name().equalsIgnoreCase("Set-Cookie")) {
                continue;
            }
            try {
                for (HttpCookie c : HttpCookie.parse("set-cookie: " + h.value())) {
                    cookies.add(HarCookie.builder().name(c.getName())
                            .value(redactor.redacts("set-cookie") ? Redactor.MASK : c.getValue())
                            .path(c.getPath()).domain(c.getDomain())
                            .httpOnly(c.isHttpOnly()).secure(c.getSecure()).build());
                }
            } catch (IllegalArgumentException malformed) {
                // a cookie we cannot parse stays in the headers only
            }
        }
        return cookies;
    }

    static String url(CapturedMessage req, ConnectionInfo conn) {
        // an HTTP/2 request may come without :path (malformed, or cut by a gap): the URL is still a URL
        String target = req.target == null ? "/" : req.target;
        if (target.startsWith("http://") || target.startsWith("https://")) {
            return target;
        }
        String host = req.authority != null ? req.authority : req.header("Host");
        if (host == null || host.isBlank()) {
            InetSocketAddress server = conn.server();
            if (server == null) {
                host = "unknown-host";
            } else {
                String ip = server.getAddress().getHostAddress();
                host = (ip.contains(":") ? "[" + ip + "]" : ip) + (server.getPort() == 443 ? "" : ":" + server.getPort());
            }
        } else if (host.endsWith(":443") && (req.scheme == null || req.scheme.equals("https"))) {
            host = host.substring(0, host.length() - 4);
        }
        if ("*".equals(target)) {
            target = "/";
        }
        String scheme = req.scheme != null ? req.scheme : "https";
        return scheme + "://" + host + (target.startsWith("/") ? target : "/" + target);
    }

    static List<HarQueryParam> query(String url) {
        List<HarQueryParam> params = new ArrayList<>();
        int q = url.indexOf('?');
        if (q < 0) {
            return params;
        }
        int hash = url.indexOf('#', q);
        String query = hash < 0 ? url.substring(q + 1) : url.substring(q + 1, hash);
        for (Map.Entry<String, String> kv : QueryString.parse(query)) {
            params.add(HarQueryParam.builder().name(kv.getKey()).value(kv.getValue()).build());
        }
        return params;
    }

    private static List<HarPostDataParam> formParams(String contentType, BodyText text) {
        if (contentType == null || text.encoding() != null
                || !BodyText.mediaType(contentType).equals("application/x-www-form-urlencoded")) {
            return List.of();
        }
        List<HarPostDataParam> params = new ArrayList<>();
        for (Map.Entry<String, String> kv : QueryString.parse(text.text())) {
            params.add(HarPostDataParam.builder().name(kv.getKey()).value(kv.getValue()).build());
        }
        return params;
    }
}
