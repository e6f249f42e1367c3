package io.recordtls.recorder.http;

import java.util.ArrayList;
import java.util.List;

/** One HTTP request or response as seen on the wire, with when its bytes moved. */
public final class CapturedMessage {
    public final String version;
    public final String method;     // requests
    public final String target;     // requests: the request target as sent
    public String authority;        // HTTP/2 requests: :authority (HTTP/1.1 has the Host header)
    public String scheme;           // HTTP/2 requests: :scheme
    public boolean pushed;          // HTTP/2: a request the server pushed (PUSH_PROMISE)
    public final int status;        // responses
    public final String reason;     // responses
    public final List<Header> headers;
    public final List<Header> trailers = new ArrayList<>();
    public final long headersSize;
    public final BodyCapture body;
    public final long tsStart;      // monotonic ns: first byte
    public long tsEnd = -1;         // monotonic ns: last byte
    public boolean complete;
    public String incompleteReason;
    public long lostBytes;          // bytes of this message that never arrived
    public long cappedBytes;        // bytes not copied on purpose (--max-body)
    /** Monotonic ns: when its first bytes were known to exist (a write's entry, a read's return), for pairing. */
    long seenAt;

    private CapturedMessage(String version, String method, String target, int status, String reason,
                            List<Header> headers, long headersSize, long bodyCap, long tsStart) {
        this.version = version;
        this.method = method;
        this.target = target;
        this.status = status;
        this.reason = reason;
        this.headers = headers;
        this.headersSize = headersSize;
        this.body = new BodyCapture(bodyCap);
        this.tsStart = tsStart;
        long declared = declaredLength();
        if (declared >= 0) {
            body.expect(declared);
        }
    }

    /** Content-Length as a number, when the message has one and is not chunked; else -1. */
    private long declaredLength() {
        String length = header("content-length");
        if (length == null || header("transfer-encoding") != null) {
            return -1;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public static CapturedMessage request(String version, String method, String target, List<Header> headers, long headersSize, long bodyCap, long ts) {
        return new CapturedMessage(version, method, target, 0, null, headers, headersSize, bodyCap, ts);
    }

    public static CapturedMessage response(String version, int status, String reason, List<Header> headers, long headersSize, long bodyCap, long ts) {
        return new CapturedMessage(version, null, null, status, reason, headers, headersSize, bodyCap, ts);
    }

    public String header(String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    public void markIncomplete(String reason) {
        if (incompleteReason == null) {
            incompleteReason = reason;
        }
        complete = false;
    }
}
