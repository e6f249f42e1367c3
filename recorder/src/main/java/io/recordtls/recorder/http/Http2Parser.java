package io.recordtls.recorder.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.recordtls.recorder.stream.StreamSink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * HTTP/2 exchanges of one connection: frames of both directions read by Netty's frame reader,
 * with one HPACK decoder per direction (HPACK is stateful: it must see every header block of its
 * direction from the connection's first byte). One exchange per stream.
 */
final class Http2Parser {
    private static final int PREFACE_LENGTH = 24;
    /** Accept whatever the peers agreed on: we are not a party to their SETTINGS. */
    private static final int MAX_FRAME = 0xFFFFFF;
    private static final long MAX_TABLE = 1L << 30;

    private final Supplier<ConnectionInfo> info;
    private final long maxBody;
    private final ExchangeListener listener;
    private final List<String> connectionNotes;
    private final Map<Integer, Stream> streams = new TreeMap<>();
    private final EmbeddedChannel channel;
    private final ChannelHandlerContext ctx;
    private final Side client = new Side(true);
    private final Side server = new Side(false);

    private final class Stream {
        final int id;
        CapturedMessage request, response;
        boolean requestEnded, responseEnded, emitted;
        /** When the last DATA frame of each side was read: the end of a body whole by its Content-Length. */
        long requestDataTs = -1, responseDataTs = -1;
        final List<String> notes = new ArrayList<>();

        Stream(int id) {
            this.id = id;
        }
    }

    Http2Parser(Supplier<ConnectionInfo> info, long maxBody, ExchangeListener listener, List<String> connectionNotes) {
        this.info = info;
        this.maxBody = maxBody;
        this.listener = listener;
        this.connectionNotes = connectionNotes;
        this.channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        this.ctx = channel.pipeline().firstContext();
    }

    /** Bytes the client sent (requests) and the server sent (responses). */
    StreamSink clientSink() {
        return client;
    }

    StreamSink serverSink() {
        return server;
    }

    void end(String why) {
        for (Stream s : streams.values()) {
            if (s.emitted || s.request == null) {
                continue;
            }
            if (!s.requestEnded && !wholeByContentLength(s.request, s.requestDataTs)) {
                if (s.responseEnded) {
                    markBodyUnfinished(s, s.response.tsEnd, why);
                } else {
                    s.request.markIncomplete("request cut short: " + why);
                }
            }
            if (s.response != null && !s.responseEnded && !wholeByContentLength(s.response, s.responseDataTs)) {
                s.response.markIncomplete("response cut short: " + why);
            }
            if (s.response == null) {
                s.notes.add("no response: " + why);
            }
            emit(s);
        }
        client.close();
        server.close();
        channel.finishAndReleaseAll();
    }

    /**
     * A message whose END_STREAM was never seen but whose body arrived up to its Content-Length is
     * whole: a server may end a stream with an empty DATA frame after the body (node does), and a
     * client that has the whole body by then (curl) closes without reading it. Marks it complete.
     */
    private static boolean wholeByContentLength(CapturedMessage m, long lastDataTs) {
        String declared = m.header("content-length");
        if (declared == null || m.incompleteReason != null || m.lostBytes > 0) {
            return false;
        }
        try {
            long length = Long.parseLong(declared.trim());
            if (length != m.body.size() || (length > 0 && lastDataTs < 0)) {
                return false;
            }
        } catch (NumberFormatException e) {
            return false;
        }
        m.tsEnd = lastDataTs >= 0 ? lastDataTs : m.tsStart;
        m.complete = true;
        return true;
    }

    /** The response ended while the request body was not whole, and the rest never came. */
    private static void markBodyUnfinished(Stream s, long ts, String why) {
        s.request.tsEnd = s.request.tsEnd < 0 ? ts : s.request.tsEnd;
        s.request.markIncomplete("the response ended before the request body was whole ("
                + s.request.body.size() + " bytes seen), then " + why);
    }

    private void emit(Stream s) {
        if (s.emitted || s.request == null) {
            return;
        }
        s.emitted = true;
        List<String> notes = new ArrayList<>(s.notes);
        if (s.request.incompleteReason != null) {
            notes.add(s.request.incompleteReason);
        }
        if (s.response != null && s.response.incompleteReason != null) {
            notes.add(s.response.incompleteReason);
        }
        listener.onExchange(new Exchange(info.get(), "HTTP/2", s.request, s.response, List.copyOf(notes)));
    }

    private Stream stream(int id) {
        return streams.computeIfAbsent(id, Stream::new);
    }

    private static List<Header> regular(Http2Headers headers) {
        List<Header> out = new ArrayList<>();
        for (Map.Entry<CharSequence, CharSequence> h : headers) {
            String name = h.getKey().toString();
            if (!name.startsWith(":")) {
                out.add(new Header(name, h.getValue().toString()));
            }
        }
        return out;
    }

    private CapturedMessage requestOf(Http2Headers h, long ts) {
        CapturedMessage m = CapturedMessage.request("HTTP/2", str(h.method()), str(h.path()), regular(h), -1, maxBody, ts);
        m.authority = str(h.authority());
        m.scheme = str(h.scheme());
        return m;
    }

    private static String str(CharSequence s) {
        return s == null ? null : s.toString();
    }

    /** One direction: its frame reader (with its own HPACK state) and what it has not read yet. */
    private final class Side extends Http2FrameAdapter implements StreamSink {
        private final boolean fromClient;
        private final DefaultHttp2FrameReader reader;
        private ByteBuf pending = Unpooled.buffer();
        private long prefaceLeft;
        private long tsEnter, tsExit;
        private boolean broken;

        Side(boolean fromClient) {
            this.fromClient = fromClient;
            this.prefaceLeft = fromClient ? PREFACE_LENGTH : 0;
            this.reader = new DefaultHttp2FrameReader(new DefaultHttp2HeadersDecoder(false, false, Long.MAX_VALUE));
            try {
                reader.maxFrameSize(MAX_FRAME);
                reader.headersConfiguration().maxHeaderTableSize(MAX_TABLE);
                reader.headersConfiguration().maxHeaderListSize(Integer.MAX_VALUE, Integer.MAX_VALUE);
            } catch (Http2Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void onBytes(byte[] data, int offset, int length, long tsEnter, long tsExit) {
            if (broken) {
                return;
            }
            this.tsEnter = tsEnter;
            this.tsExit = tsExit;
            int skip = (int) Math.min(prefaceLeft, length);
            prefaceLeft -= skip;
            pending.writeBytes(data, offset + skip, length - skip);
            try {
                reader.readFrame(ctx, pending, this);
            } catch (Http2Exception | RuntimeException e) {
                fail("cannot decode HTTP/2 frames from the " + (fromClient ? "client" : "server") + ": " + e.getMessage());
            }
            pending.discardReadBytes();
        }

        @Override
        public void onGap(long length, boolean capped, long ts) {
            // Frames and HPACK state cannot be resumed after a hole.
            fail("capture lost " + length + " bytes of the " + (fromClient ? "client" : "server")
                    + " stream; HTTP/2 cannot be decoded past a hole");
        }

        private void fail(String why) {
            if (broken) {
                return;
            }
            broken = true;
            connectionNotes.add(why);
            for (Stream s : streams.values()) {
                if (!s.emitted && s.request != null) {
                    s.notes.add(why);
                    if (s.response != null) {
                        s.response.markIncomplete(why);
                    } else {
                        s.request.markIncomplete(why);
                    }
                }
            }
        }

        void close() {
            pending.release();
            pending = Unpooled.EMPTY_BUFFER;
            reader.close();
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers, int streamDependency,
                                  short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(c, streamId, headers, padding, endOfStream);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers, int padding, boolean endOfStream) {
            Stream s = stream(streamId);
            if (fromClient) {
                if (s.request == null) {
                    s.request = requestOf(headers, tsEnter);
                } else {
                    addTrailers(s.request, headers);
                }
                if (endOfStream) {
                    s.requestEnded = true;
                    s.request.tsEnd = tsExit;
                    s.request.complete = s.request.incompleteReason == null;
                    if (s.responseEnded) {
                        emit(s); // its response was reported first
                    }
                }
            } else {
                CharSequence status = headers.status();
                if (s.response == null && status != null && status.length() == 3 && status.charAt(0) == '1') {
                    return; // interim (100, 103): the final response follows
                }
                if (s.response == null) {
                    int code = status == null ? 0 : Integer.parseInt(status.toString());
                    s.response = CapturedMessage.response("HTTP/2", code, "", regular(headers), -1, maxBody, tsExit);
                } else {
                    addTrailers(s.response, headers); // gRPC's grpc-status and friends
                }
                if (endOfStream) {
                    endResponse(s);
                }
            }
        }

        private void addTrailers(CapturedMessage m, Http2Headers headers) {
            m.trailers.addAll(regular(headers));
        }

        private void endResponse(Stream s) {
            s.responseEnded = true;
            s.response.tsEnd = tsExit;
            s.response.complete = s.response.incompleteReason == null;
            if (s.request == null) {
                // A client whose writer and reader are two threads (Go's h2 transport) can have
                // the read of a response return before the write of its request does, and the
                // probes report calls as they return: emitted when the request is whole.
                return;
            }
            if (!s.requestEnded) {
                // The rest of the request body can still come: the writer's return of its DATA can
                // be reported after the reader's return of the response (two threads again), and a
                // server that answers early still reads the body or resets the stream. Emitted at
                // the request's END_STREAM, at a reset, or when the connection ends.
                return;
            }
            emit(s);
        }

        @Override
        public int onDataRead(ChannelHandlerContext c, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            Stream s = streams.get(streamId);
            int processed = data.readableBytes() + padding;
            if (s == null) {
                return processed;
            }
            CapturedMessage m = fromClient ? s.request : s.response;
            if (m == null) {
                return processed;
            }
            if (data.isReadable()) {
                m.body.append(data.nioBuffer()); // straight from the frame: no array of its own
            }
            if (fromClient) {
                s.requestDataTs = tsExit;
            } else {
                s.responseDataTs = tsExit;
            }
            if (endOfStream) {
                if (fromClient) {
                    s.requestEnded = true;
                    m.tsEnd = tsExit;
                    m.complete = m.incompleteReason == null;
                    if (s.responseEnded) {
                        emit(s); // its response was reported first
                    }
                } else {
                    endResponse(s);
                }
            }
            return processed;
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext c, int streamId, long errorCode) {
            Stream s = streams.get(streamId);
            if (s == null || s.emitted || s.request == null) {
                return;
            }
            Http2Error error = Http2Error.valueOf(errorCode);
            String why = "stream reset by the " + (fromClient ? "client" : "server") + " ("
                    + (error == null ? "error " + errorCode : error.name()) + ")";
            if (s.response != null && s.requestEnded && wholeByContentLength(s.response, s.responseDataTs)) {
                // curl resets (STREAM_CLOSED) a stream it has the whole Content-Length of when the
                // server's END_STREAM has not come yet: nothing of the exchange is missing
                s.responseEnded = true;
            } else if (s.responseEnded) {
                // the server answered before the request body was whole, then stopped it
                markBodyUnfinished(s, tsExit, why);
            } else if (s.response != null) {
                s.response.markIncomplete(why);
            } else {
                s.request.markIncomplete(why);
                s.notes.add("no response: " + why);
            }
            emit(s);
        }

        @Override
        public void onPushPromiseRead(ChannelHandlerContext c, int streamId, int promisedStreamId, Http2Headers headers, int padding) {
            Stream pushed = stream(promisedStreamId);
            pushed.request = requestOf(headers, tsExit);
            pushed.request.pushed = true;
            pushed.request.complete = true;
            pushed.request.tsEnd = tsExit;
            pushed.requestEnded = true;
            pushed.notes.add("pushed by the server with stream " + streamId);
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext c, int lastStreamId, long errorCode, ByteBuf debugData) {
            if (errorCode != 0) {
                Http2Error error = Http2Error.valueOf(errorCode);
                connectionNotes.add("GOAWAY from the " + (fromClient ? "client" : "server") + ": "
                        + (error == null ? "error " + errorCode : error.name()));
            }
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext c, Http2Settings settings) {
            // Table and frame limits are set to the maximum up front; nothing to follow here.
        }
    }
}
