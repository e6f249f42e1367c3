package io.recordtls.recorder.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.recordtls.recorder.stream.StreamControl;
import io.recordtls.recorder.stream.StreamSink;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * HTTP/1.1 exchanges of one connection, from its two reassembled byte streams. Netty's decoders
 * do the parsing (keep-alive, pipelining, Content-Length, chunked, close-delimited bodies, 1xx);
 * this class pairs requests with responses and keeps timing and losses.
 *
 * <p>Bytes lost in capture (a full ring buffer) between two messages, or across a message's end, leave
 * the decoder mid-message. Decoding then resumes at the next call whose bytes start a request or a
 * response, with a fresh decoder. A resumed response answers the newest request sent after the last
 * response bytes before the hole and before the response itself (true of every client that waits
 * for a response before its next request: pipelining is all but unused), decided only once the
 * request side has shown it lost nothing before that response (its next bytes, or the end); the
 * requests between are kept without a response. Requests lost make the response side resume too:
 * a response to a request never seen cannot be framed (a HEAD's has no body).
 */
final class Http1Parser {
    private static final HttpDecoderConfig CONFIG = new HttpDecoderConfig()
            .setMaxInitialLineLength(64 * 1024)
            .setMaxHeaderSize(1024 * 1024)
            .setMaxChunkSize(64 * 1024)
            .setValidateHeaders(false)
            .setAllowDuplicateContentLengths(true);
    private static final int FILLER_SLICE = 64 * 1024;
    /** Responses kept waiting for a request that may still come (a thread's write returning late). */
    private static final int MAX_EARLY = 4;
    /**
     * How much of a body's tail past --max-body is still copied when the rest is skipped: the
     * decoder may hold a few bytes of what it was fed, and a skip that went past the body's end
     * would take the next message's start with it.
     */
    static final long SKIP_MARGIN = 64 * 1024;

    private final Supplier<ConnectionInfo> info;
    private final long maxBody;
    private final ExchangeListener listener;
    /** The response side's decoder (replaced when decoding resumes after a hole). */
    private ResponseDecoder responseDecoder;
    private final Side requests;
    private final Side responses;
    /** Requests sent and not answered yet, oldest first (pipelining answers in order). */
    private final Deque<CapturedMessage> unanswered = new ArrayDeque<>();
    /**
     * Responses decoded before any request they could answer: a client whose writer and reader are
     * two threads (Go's net/http: a write loop and a read loop) can have its read of the response
     * return before its write of the request does, and the probes report calls as they return.
     */
    private final Deque<Early> early = new ArrayDeque<>();
    /** Requests whose response came first, until the request is whole. */
    private final Map<CapturedMessage, CapturedMessage> answeredFirst = new java.util.IdentityHashMap<>();
    /** Responses where decoding resumed after a hole: paired with their request by time. */
    private final java.util.Set<CapturedMessage> pairedByTime = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /**
     * The response side resumed at a response seen at {@code resumeSeenAt}, after response bytes
     * last seen at {@code resumeAfter}; which request it answers waits for the request side.
     */
    private boolean resumePending;
    private long resumeSeenAt, resumeAfter;
    /** The resumed response, whole before the request side could tell which request it answers. */
    private CapturedMessage held;
    /** The resumed response answers no request the recording can name: left out when whole. */
    private boolean resumeRefused;
    private final List<String> connectionNotes;
    /** Whether the recorded process sends the requests (a client) or reads them (a server). */
    private final boolean requestsAreWritten;
    private boolean stopped;

    /** A response with no request yet, and when its bytes were known to exist (monotonic ns). */
    private record Early(CapturedMessage response, long seenAt) {}

    Http1Parser(Supplier<ConnectionInfo> info, long maxBody, ExchangeListener listener, List<String> connectionNotes,
                boolean requestsAreWritten, StreamControl requestControl, StreamControl responseControl) {
        this.requests = new Side(true, requestControl);
        this.responses = new Side(false, responseControl);
        this.info = info;
        this.maxBody = maxBody;
        this.listener = listener;
        this.connectionNotes = connectionNotes;
        this.requestsAreWritten = requestsAreWritten;
    }

    StreamSink requestSink() {
        return requests;
    }

    StreamSink responseSink() {
        return responses;
    }

    /** The connection is over: what is left is complete (close-delimited) or incomplete. */
    void end(String why) {
        if (resumePending) {
            decideResume(true); // the request side ended with nothing lost after the response
        }
        if (!stopped) {
            requests.finish();
            responses.finish();
        }
        requests.noteHoles();
        responses.noteHoles();
        if (requests.current != null) {
            requests.current.markIncomplete("request cut short: " + why);
            unanswered.remove(requests.current);
            emit(requests.current, answeredFirst.remove(requests.current), List.of());
            requests.current = null;
        }
        while (!early.isEmpty()) {
            noteUnpaired(early.poll().response());
        }
        CapturedMessage partial = responses.current;
        responses.current = null;
        while (!unanswered.isEmpty()) {
            CapturedMessage req = unanswered.poll();
            if (partial != null) {
                partial.markIncomplete("response cut short: " + why);
                emit(req, partial, List.of());
                partial = null;
            } else if (responses.resyncing && req.seenAt <= responses.seenBeforeHole) {
                emit(req, null, List.of(LOST_RESPONSE));
            } else {
                emit(req, null, List.of("no response: " + why));
            }
        }
        stopped = true;
    }

    private static final String LOST_RESPONSE = "no response: its bytes were lost in capture (ring buffer full)";

    /** The newest request a resumed response seen at {@code at} can answer (see the class comment), or null. */
    private CapturedMessage answerable(long after, long at) {
        CapturedMessage answered = null;
        for (CapturedMessage r : unanswered) {
            if (r.seenAt > after && r.seenAt <= at) {
                answered = r;
            }
        }
        return answered;
    }

    /**
     * The request side has shown whether it lost a request before the resumed response: pair the
     * response with the newest request before it, or, when one may have been lost, leave the
     * response out and the requests before it without one.
     */
    private void decideResume(boolean nothingLostBefore) {
        resumePending = false;
        CapturedMessage answered = nothingLostBefore ? answerable(resumeAfter, resumeSeenAt) : null;
        if (answered != null) {
            while (unanswered.peek() != answered) {
                emit(unanswered.poll(), null, List.of(LOST_RESPONSE));
            }
            if (held != null) {
                CapturedMessage response = held;
                held = null;
                responses.answer(unanswered.poll(), response);
            }
            return; // otherwise the response, still being decoded, answers it when whole
        }
        while (!unanswered.isEmpty() && unanswered.peek().seenAt <= resumeSeenAt) {
            emit(unanswered.poll(), null, List.of(LOST_RESPONSE));
        }
        if (held != null) {
            noteRequestLost(held);
            held = null;
        } else {
            resumeRefused = true; // still being decoded
        }
    }

    private void noteRequestLost(CapturedMessage response) {
        pairedByTime.remove(response);
        response.body.close();
        connectionNotes.add("a " + response.status + " response whose request may have been lost in capture was left out");
    }

    private void noteUnpaired(CapturedMessage response) {
        response.body.close();
        connectionNotes.add("a " + response.status + " response arrived with no request seen (recording started mid-connection?)");
    }

    /**
     * The response that came before this new request answers it when the request was sent before
     * that response was there (seen at: a written request at its write's entry, a read one at its
     * read's return; a read response at its read's return, a written one at its write's entry). A
     * response read before the next request was even begun answered a request the recording never
     * saw (it joined mid-connection): it is noted and left out.
     */
    private CapturedMessage takeEarlyAnswer(long requestSeenAt) {
        while (!early.isEmpty()) {
            Early e = early.poll();
            if (requestSeenAt <= e.seenAt()) {
                return e.response();
            }
            noteUnpaired(e.response());
        }
        return null;
    }

    private void emit(CapturedMessage request, CapturedMessage response, List<String> notes) {
        List<String> all = new ArrayList<>(notes);
        if (!request.complete && request.incompleteReason != null) {
            all.add(request.incompleteReason);
        }
        if (response != null && !response.complete && response.incompleteReason != null) {
            all.add(response.incompleteReason);
        }
        if (response != null && pairedByTime.remove(response)) {
            all.add("paired with its request by time: bytes before this response were lost in capture");
        }
        listener.onExchange(new Exchange(info.get(), "HTTP/1.1", request, response, List.copyOf(all)));
    }

    private final class ResponseDecoder extends HttpResponseDecoder {
        final Deque<String> methods = new ArrayDeque<>();

        ResponseDecoder() {
            super(CONFIG);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            int code = ((HttpResponse) msg).status().code();
            if (code >= 100 && code < 200) {
                return true; // interim responses have no body; the final one follows
            }
            String method = methods.poll();
            if ("HEAD".equals(method) || ("CONNECT".equals(method) && code / 100 == 2)) {
                return true;
            }
            return super.isContentAlwaysEmpty(msg);
        }
    }

    /** One direction: its decoder and the message being decoded. */
    private final class Side implements StreamSink {
        private EmbeddedChannel channel;
        private final boolean isRequest;
        private CapturedMessage current;
        private boolean skippingInterim;
        private long tsEnter, tsExit;
        /** When the bytes of the response being decoded were known to exist (see takeEarlyAnswer). */
        private long currentSeenAt;
        private boolean broken;
        /** Stand-in bytes of an intended gap still inside the decoder: counted in a body, never kept. */
        private long fillerLeft;

        private final StreamControl control;
        /** Body bytes the decoder gave for the current message, stand-ins included. */
        private long bodySeen;
        private boolean skipAsked;

        /** Bytes were lost where a message may start: the rest is skipped until a call starts one. */
        private boolean resyncing;
        /** Bytes were lost since the last message start: a decoder failure now is the hole's doing. */
        private boolean lostSinceStart;
        /** When the last bytes before the hole were seen (see takeEarlyAnswer for "seen"). */
        private long seenBeforeHole;
        /** When the last bytes fed were seen, and the last ones before the current message's first hole. */
        private long lastSeenAt = Long.MIN_VALUE, seenBeforeLoss;
        private int holes, resumed;
        private long skippedBytes;
        /** The next response decoded is where decoding resumed. */
        private boolean pairedByTimeNext;

        Side(boolean isRequest, StreamControl control) {
            this.isRequest = isRequest;
            this.control = control;
            this.channel = newDecoder(null);
        }

        /** A response decoder starts with the methods of the requests from {@code first} on (a HEAD's response has no body). */
        private EmbeddedChannel newDecoder(CapturedMessage first) {
            if (isRequest) {
                return new EmbeddedChannel(new HttpRequestDecoder(CONFIG));
            }
            responseDecoder = new ResponseDecoder();
            boolean from = first == null;
            for (CapturedMessage waiting : unanswered) {
                from |= waiting == first;
                if (from) {
                    responseDecoder.methods.add(waiting.method);
                }
            }
            return new EmbeddedChannel(responseDecoder);
        }

        /** When bytes of the call being fed were known to exist: a write at its entry, a read at its return. */
        private long seenAt() {
            return isRequest == requestsAreWritten ? tsEnter : tsExit;
        }

        @Override
        public void onBytes(byte[] data, int offset, int length, long tsEnter, long tsExit) {
            if (stopped || broken) {
                return;
            }
            this.tsEnter = tsEnter;
            this.tsExit = tsExit;
            if (isRequest && resumePending && seenAt() > resumeSeenAt) {
                decideResume(true); // sent after the resumed response, with nothing lost before it
            }
            if (resyncing && !resumesAt(data, offset, length)) {
                skippedBytes += length;
                return;
            }
            lastSeenAt = seenAt();
            channel.writeInbound(Unpooled.wrappedBuffer(data, offset, length));
            drain();
        }

        /** Bytes were lost where the decoder cannot follow: skip to the next message start. */
        private void resync(long seenBefore) {
            if (!resyncing) {
                resyncing = true;
                seenBeforeHole = seenBefore;
                if (isRequest) {
                    responses.requestsLost();
                }
            }
        }

        /**
         * Requests may have been lost: a response to one of them cannot be framed without its
         * method, so the response side resumes at the next response start whose request is known.
         * A response being decoded for a known request goes on.
         */
        private void requestsLost() {
            if (resyncing || (current != null && !unanswered.isEmpty())) {
                return;
            }
            if (current != null) {
                noteRequestLost(current);
                current = null;
            }
            resync(lastSeenAt);
        }

        /**
         * Whether this call's bytes start a message decoding can resume at, and if so, resume: a
         * fresh decoder, and on the response side the request it answers found by time (the newest
         * one sent after the last response bytes before the hole and before this response); older
         * unanswered requests lost their responses in the hole.
         */
        private boolean resumesAt(byte[] data, int offset, int length) {
            if (!(isRequest ? StartLine.isRequest(data, offset, length) : StartLine.isResponse(data, offset, length))) {
                return false;
            }
            long at = seenAt();
            CapturedMessage answered = null;
            if (!isRequest) {
                answered = answerable(seenBeforeHole, at);
                if (answered == null) {
                    return false; // its request is not known yet, or was sent before the hole: not safe to pair
                }
                if (resumePending) {
                    decideResume(false); // another hole came first: the last resume cannot be told apart
                }
                resumePending = true; // which request it answers is decided when the request side shows it
                resumeRefused = false;
                resumeSeenAt = at;
                resumeAfter = seenBeforeHole;
            }
            channel.finishAndReleaseAll();
            channel = newDecoder(answered);
            current = null;
            skippingInterim = false;
            resyncing = false;
            lostSinceStart = false;
            resumed++;
            if (!isRequest) {
                pairedByTimeNext = true;
            }
            return true;
        }

        /** One note per side on the connection for all its holes, so a long connection's notes stay few. */
        void noteHoles() {
            if (holes == 0) {
                return;
            }
            String side = isRequest ? "request" : "response";
            StringBuilder note = new StringBuilder(side + " stream: bytes lost in capture where a message could start ("
                    + holes + (holes == 1 ? " time" : " times") + "); ");
            if (resumed > 0) {
                note.append("decoding resumed ").append(resumed).append(resumed == 1 ? " time" : " times")
                        .append(" at the next ").append(side).append(" start");
            }
            if (resyncing) {
                note.append(resumed > 0 ? "; after the last hole " : "").append("no ").append(side)
                        .append(" start was found, the rest is not decoded");
            }
            note.append(" (").append(skippedBytes).append(" bytes skipped)");
            connectionNotes.add(note.toString());
        }

        @Override
        public void onGap(long length, boolean capped, long ts) {
            if (stopped || broken) {
                return;
            }
            if (isRequest && resumePending) {
                // a hole that began before the resumed response may have held the request it answers
                decideResume(lastSeenAt >= resumeSeenAt);
            }
            if (current == null || resyncing) {
                // the hole may hold message starts: decoding resumes at the next one after it
                holes++;
                resync(lastSeenAt);
                return;
            }
            if (capped) {
                current.cappedBytes += length;
            } else {
                current.lostBytes += length;
                current.markIncomplete(length + " bytes lost in capture (ring buffer full or memory unreadable)");
                if (!lostSinceStart) {
                    lostSinceStart = true;
                    seenBeforeLoss = lastSeenAt;
                }
            }
            // Keep the decoder in step with the stream: stand-in bytes where the hole is.
            tsEnter = tsExit = ts;
            byte[] zeros = new byte[(int) Math.min(FILLER_SLICE, length)];
            // bytes lost by accident stay zeros in the body (what came after them keeps its place);
            // bytes not copied on purpose are only counted: the body kept is what was seen
            fillerLeft = capped ? length : 0;
            for (long left = length; left > 0 && !broken && !resyncing; left -= zeros.length) {
                int n = (int) Math.min(zeros.length, left);
                channel.writeInbound(Unpooled.wrappedBuffer(zeros, 0, n));
                drain();
            }
            fillerLeft = 0; // each slice was decoded as it went in: no stand-in byte is left

        }

        void finish() {
            if (broken || resyncing) {
                channel.finishAndReleaseAll();
                return;
            }
            channel.finish();
            drain();
            channel.finishAndReleaseAll();
        }

        private void drain() {
            Object msg;
            while ((msg = channel.readInbound()) != null) {
                try {
                    handle(msg);
                } finally {
                    io.netty.util.ReferenceCountUtil.release(msg);
                }
            }
            skipTailPastMaxBody();
        }

        /**
         * A body whose length is known (Content-Length, not chunked) to run past --max-body needs
         * none of its bytes between the cap and its end: as soon as its headers are decoded, the
         * kernel is asked to count those without copying them, so a 200 MiB download at the
         * default cap no longer crosses the ring buffer whole (the range lies ahead of what the
         * kernel has sent unless the ring holds more than the cap). Asked once everything fed so
         * far is decoded, so the body's position in the stream is exact, with a margin at both ends.
         */
        private void skipTailPastMaxBody() {
            if (current == null || skipAsked || current.header("transfer-encoding") != null) {
                return;
            }
            String declared = current.header("content-length");
            if (declared == null) {
                return;
            }
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                return;
            }
            long from = Math.max(0, maxBody + SKIP_MARGIN - bodySeen), until = length - bodySeen - SKIP_MARGIN;
            if (until - from > SKIP_MARGIN && control.skip(from, until)) {
                skipAsked = true;
            }
        }

        private void handle(Object msg) {
            if (msg instanceof HttpMessage m) {
                DecoderResult r = m.decoderResult();
                if (r.isFailure()) {
                    failed(r.cause());
                    return;
                }
                start(m);
            }
            if (msg instanceof HttpContent c) {
                if (c.decoderResult().isFailure()) {
                    failed(c.decoderResult().cause());
                    return;
                }
                if (skippingInterim) {
                    if (c instanceof LastHttpContent) {
                        skippingInterim = false;
                    }
                    return;
                }
                if (current == null) {
                    return;
                }
                ByteBuf content = c.content();
                int n = content.readableBytes();
                bodySeen += n;
                int filler = (int) Math.min(n, fillerLeft);
                fillerLeft -= filler;
                if (filler > 0) {
                    current.body.skip(filler); // zeros standing in for bytes not copied: never in the HAR
                }
                if (n > filler) {
                    // straight from the decoder: no array of its own
                    current.body.append(content.nioBuffer(content.readerIndex() + filler, n - filler));
                }
                if (c instanceof LastHttpContent last) {
                    for (Map.Entry<String, String> t : last.trailingHeaders()) {
                        current.trailers.add(new Header(t.getKey(), t.getValue()));
                    }
                    complete();
                }
            }
        }

        private void start(HttpMessage m) {
            lostSinceStart = false;
            bodySeen = 0;
            skipAsked = false;
            List<Header> headers = new ArrayList<>();
            long size = 0;
            for (var it = m.headers().iteratorAsString(); it.hasNext(); ) {
                Map.Entry<String, String> h = it.next();
                headers.add(new Header(h.getKey(), h.getValue()));
                size += h.getKey().length() + 2 + h.getValue().length() + 2;
            }
            String version = m.protocolVersion().text();
            if (m instanceof HttpRequest req) {
                size += req.method().name().length() + 1 + req.uri().length() + 1 + version.length() + 2 + 2;
                current = CapturedMessage.request(version, req.method().name(), req.uri(), headers, size, maxBody, tsEnter);
                current.seenAt = seenAt();
                CapturedMessage answer = early.isEmpty() ? null : takeEarlyAnswer(requestsAreWritten ? tsEnter : tsExit);
                if (answer != null) {
                    answeredFirst.put(current, answer); // its response was decoded already: no method to tell it
                } else {
                    unanswered.add(current);
                    responseDecoder.methods.add(req.method().name());
                }
            } else {
                HttpResponse res = (HttpResponse) m;
                int code = res.status().code();
                if (code >= 100 && code < 200 && code != 101) {
                    skippingInterim = true;
                    return;
                }
                size += version.length() + 1 + 3 + 1 + res.status().reasonPhrase().length() + 2 + 2;
                current = CapturedMessage.response(version, code, res.status().reasonPhrase(), headers, size, maxBody, tsExit);
                currentSeenAt = requestsAreWritten ? tsExit : tsEnter;
                if (pairedByTimeNext) {
                    pairedByTime.add(current);
                    pairedByTimeNext = false;
                }
            }
        }

        private void complete() {
            CapturedMessage done = current;
            current = null;
            done.tsEnd = isRequest ? tsExit : tsExit;
            if (done.incompleteReason == null) {
                done.complete = true;
            }
            if (isRequest) {
                CapturedMessage answer = answeredFirst.remove(done);
                if (answer != null) {
                    answer(done, answer);
                }
                return; // otherwise answered when its response completes
            }
            if (resumeRefused && pairedByTime.contains(done)) {
                resumeRefused = false;
                noteRequestLost(done);
                return;
            }
            if (resumePending && pairedByTime.contains(done)) {
                held = done; // which request it answers is not known yet
                return;
            }
            CapturedMessage request = unanswered.poll();
            if (request == null) {
                early.add(new Early(done, currentSeenAt)); // its request may come yet
                if (early.size() > MAX_EARLY) {
                    noteUnpaired(early.poll().response()); // a side whose requests are never seen: memory stays bounded
                }
                return;
            }
            answer(request, done);
        }

        private void answer(CapturedMessage request, CapturedMessage done) {
            if (done.status == 101) {
                emit(request, done, List.of("connection upgraded to " + String.valueOf(done.header("Upgrade"))
                        + "; what follows is not HTTP/1.1 and is not recorded"));
                stopped = true;
                return;
            }
            emit(request, done, List.of());
        }

        private void failed(Throwable cause) {
            String what = cause == null ? "malformed" : cause.getMessage();
            if (lostSinceStart) {
                // the hole ran past the message's end: the decoder met the middle of the next one
                if (current != null) {
                    current.markIncomplete("bytes lost in capture broke this " + (isRequest ? "request" : "response") + "'s framing");
                    complete();
                }
                holes++;
                resync(seenBeforeLoss);
                return;
            }
            broken = true;
            if (current != null) {
                current.markIncomplete("unparseable " + (isRequest ? "request" : "response") + ": " + what);
            }
            connectionNotes.add((isRequest ? "request" : "response") + " stream stopped parsing: " + what);
        }
    }
}
