package io.recordtls.recorder.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.recordtls.recorder.stream.DirectionStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 exchanges at the end of a connection, from the frames a client's SSL calls carry: the
 * frames are written by an HPACK-encoding frame writer in the order and sizes a curl client and a
 * node server exchanged (node sends the response body in DATA frames of at most 16 KiB, then ends
 * the stream with an empty DATA frame, which curl, having the whole Content-Length, never reads).
 */
class Http2ConnectionTest {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final List<Exchange> exchanges = new ArrayList<>();
    private final ConnectionInfo info = new ConnectionInfo(1, 42, "curl", null, "libssl.so.3",
            new InetSocketAddress("127.0.0.1", 50000), new InetSocketAddress("127.0.0.1", 8443), true);
    private final HttpConnection conn = new HttpConnection(() -> info, 1 << 20, exchanges::add);
    private final DirectionStream out = new DirectionStream(conn.out, Long.MAX_VALUE);
    private final DirectionStream in = new DirectionStream(conn.in, Long.MAX_VALUE);
    // one writer (and HPACK encoder) per direction, as each peer has its own
    private final DefaultHttp2FrameWriter clientWriter = new DefaultHttp2FrameWriter();
    private final DefaultHttp2FrameWriter serverWriter = new DefaultHttp2FrameWriter();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final ChannelHandlerContext ctx = channel.pipeline().firstContext();
    private long outOff, inOff, ts = 1_000_000;

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    /** What the frames written to the channel so far amount to, as one SSL call's bytes. */
    private byte[] written() {
        channel.flush();
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        return bytes;
    }

    private void send(byte[] b) {
        out.accept(outOff, b.length, 0, b, ts++, ts++);
        outOff += b.length;
    }

    private void receive(byte[] b) {
        in.accept(inOff, b.length, 0, b, ts++, ts++);
        inOff += b.length;
    }

    private void clientSends(int stream, Http2Headers headers, byte[] body) {
        clientWriter.writeHeaders(ctx, stream, headers, 0, body.length == 0, ctx.newPromise());
        if (body.length > 0) {
            clientWriter.writeData(ctx, stream, Unpooled.wrappedBuffer(body), 0, true, ctx.newPromise());
        }
        send(written());
    }

    /** The server's response in DATA frames of 16 KiB, without the empty END_STREAM frame that would follow. */
    private void serverAnswersWithoutEndStream(int stream, byte[] body) {
        serverWriter.writeHeaders(ctx, stream, new DefaultHttp2Headers().status("200")
                .add("content-type", "application/octet-stream").add("content-length", Integer.toString(body.length)),
                0, false, ctx.newPromise());
        receive(written());
        for (int off = 0; off < body.length; off += 16384) {
            byte[] part = Arrays.copyOfRange(body, off, Math.min(body.length, off + 16384));
            serverWriter.writeData(ctx, stream, Unpooled.wrappedBuffer(part), 0, false, ctx.newPromise());
            receive(written());
        }
    }

    private void openConnection() {
        send(PREFACE);
        clientWriter.writeSettings(ctx, new Http2Settings().maxConcurrentStreams(100).initialWindowSize(1 << 25), ctx.newPromise());
        send(written());
        serverWriter.writeSettings(ctx, new Http2Settings().maxConcurrentStreams(4294967295L), ctx.newPromise());
        receive(written());
    }

    private static Http2Headers post(String path, int length) {
        return new DefaultHttp2Headers().method("POST").scheme("https").authority("localhost:8443").path(path)
                .add("user-agent", "curl/7.88.1").add("accept", "*/*")
                .add("content-length", Integer.toString(length)).add("content-type", "application/x-www-form-urlencoded");
    }

    private static byte[] body(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 131 + seed);
        }
        return b;
    }

    @Test
    void aResponseWholeByItsContentLengthIsCompleteThoughItsEndStreamWasNeverRead() {
        openConnection();
        for (int i = 0; i < 6; i++) {
            int stream = 1 + 2 * i;
            clientSends(stream, post("/bytes?n=40000&seed=" + i, 5), "a=b&c".getBytes(StandardCharsets.US_ASCII));
            serverAnswersWithoutEndStream(stream, body(40000, i));
        }
        conn.end("connection closed");

        assertThat(exchanges).hasSize(6);
        for (int i = 0; i < 6; i++) {
            Exchange x = exchanges.get(i);
            assertThat(x.response().body.bytes()).isEqualTo(body(40000, i));
            assertThat(x.response().complete).as("response %d complete", i).isTrue();
            assertThat(x.response().tsEnd).isGreaterThan(x.response().tsStart);
            assertThat(x.request().complete).isTrue();
            assertThat(x.notes()).as("notes of exchange %d", i).isEmpty();
        }
    }

    @Test
    void aStreamTheClientResetsOnceItHasTheWholeContentLengthIsComplete() {
        openConnection();
        clientSends(1, post("/bytes?n=40000", 5), "a=b&c".getBytes(StandardCharsets.US_ASCII));
        serverAnswersWithoutEndStream(1, body(40000, 1));
        clientWriter.writeRstStream(ctx, 1, io.netty.handler.codec.http2.Http2Error.STREAM_CLOSED.code(), ctx.newPromise());
        send(written());
        conn.end("connection closed");

        Exchange x = exchanges.getFirst();
        assertThat(x.response().complete).isTrue();
        assertThat(x.response().body.bytes()).isEqualTo(body(40000, 1));
        assertThat(x.notes()).isEmpty();
    }

    @Test
    void aStreamResetBeforeItsContentLengthArrivedIsIncomplete() {
        openConnection();
        clientSends(1, post("/bytes?n=40000", 5), "a=b&c".getBytes(StandardCharsets.US_ASCII));
        serverWriter.writeHeaders(ctx, 1, new DefaultHttp2Headers().status("200").add("content-length", "40000"), 0, false, ctx.newPromise());
        serverWriter.writeData(ctx, 1, Unpooled.wrappedBuffer(body(16384, 1)), 0, false, ctx.newPromise());
        receive(written());
        clientWriter.writeRstStream(ctx, 1, io.netty.handler.codec.http2.Http2Error.CANCEL.code(), ctx.newPromise());
        send(written());
        conn.end("connection closed");

        assertThat(exchanges.getFirst().response().complete).isFalse();
        assertThat(exchanges.getFirst().notes()).containsExactly("stream reset by the client (CANCEL)");
    }

    @Test
    void aResponseShortOfItsContentLengthIsStillCutShort() {
        openConnection();
        clientSends(1, post("/bytes?n=40000", 5), "a=b&c".getBytes(StandardCharsets.US_ASCII));
        serverWriter.writeHeaders(ctx, 1, new DefaultHttp2Headers().status("200").add("content-length", "40000"), 0, false, ctx.newPromise());
        serverWriter.writeData(ctx, 1, Unpooled.wrappedBuffer(body(16384, 1)), 0, false, ctx.newPromise());
        receive(written());
        conn.end("connection closed");

        Exchange x = exchanges.getFirst();
        assertThat(x.response().complete).isFalse();
        assertThat(x.notes()).containsExactly("response cut short: connection closed");
    }

    @Test
    void aResponseWithoutContentLengthAndWithoutEndStreamIsCutShort() {
        openConnection();
        clientSends(1, post("/stream", 5), "a=b&c".getBytes(StandardCharsets.US_ASCII));
        serverWriter.writeHeaders(ctx, 1, new DefaultHttp2Headers().status("200"), 0, false, ctx.newPromise());
        serverWriter.writeData(ctx, 1, Unpooled.wrappedBuffer(body(100, 1)), 0, false, ctx.newPromise());
        receive(written());
        conn.end("connection closed");

        assertThat(exchanges.getFirst().response().complete).isFalse();
        assertThat(exchanges.getFirst().notes()).containsExactly("response cut short: connection closed");
    }

    /**
     * Go's h2 transport writes a request on the caller's goroutine and reads frames on another:
     * the read of a whole response can be reported before the write of its request. The exchange
     * is whole, and it is emitted as soon as its request is, not at the connection's end.
     */
    @Test
    void aResponseReportedBeforeItsRequestIsPairedWhenTheRequestComes() {
        openConnection();
        serverWriter.writeHeaders(ctx, 1, new DefaultHttp2Headers().status("200").add("content-type", "application/json"),
                0, false, ctx.newPromise());
        serverWriter.writeData(ctx, 1, Unpooled.wrappedBuffer("{\"go\":1}".getBytes(StandardCharsets.US_ASCII)), 0, true, ctx.newPromise());
        receive(written());
        assertThat(exchanges).isEmpty();
        clientSends(1, post("/echo", 5), "a=b&c".getBytes(StandardCharsets.US_ASCII));

        assertThat(exchanges).singleElement().satisfies(x -> {
            assertThat(x.request().target).isEqualTo("/echo");
            assertThat(new String(x.request().body.bytes(), StandardCharsets.US_ASCII)).isEqualTo("a=b&c");
            assertThat(new String(x.response().body.bytes(), StandardCharsets.US_ASCII)).isEqualTo("{\"go\":1}");
            assertThat(x.request().complete).isTrue();
            assertThat(x.response().complete).isTrue();
            assertThat(x.notes()).isEmpty();
        });
        conn.end("connection closed");
        assertThat(exchanges).hasSize(1);
    }

    /** Go's h2 transport: the request's HEADERS and its DATA are two writes, and the reader's return can be reported between them. */
    private void goClientSendsHeadersThenServerAnswers(int stream, String body) {
        clientWriter.writeHeaders(ctx, stream, post("/v1/reservations", body.length()), 0, false, ctx.newPromise());
        send(written());
        serverWriter.writeHeaders(ctx, stream, new DefaultHttp2Headers().status("200").add("content-type", "application/json"),
                0, false, ctx.newPromise());
        serverWriter.writeData(ctx, stream, Unpooled.wrappedBuffer("{\"id\":\"r-77\"}".getBytes(StandardCharsets.US_ASCII)), 0, true, ctx.newPromise());
        receive(written());
    }

    @Test
    void aRequestBodyReportedAfterItsResponseEndedIsPartOfTheExchange() {
        openConnection();
        goClientSendsHeadersThenServerAnswers(1, "{\"sku\":\"W-9\"}");
        assertThat(exchanges).isEmpty();
        clientWriter.writeData(ctx, 1, Unpooled.wrappedBuffer("{\"sku\":\"W-9\"}".getBytes(StandardCharsets.US_ASCII)), 0, true, ctx.newPromise());
        send(written());

        assertThat(exchanges).singleElement().satisfies(x -> {
            assertThat(new String(x.request().body.bytes(), StandardCharsets.US_ASCII)).isEqualTo("{\"sku\":\"W-9\"}");
            assertThat(new String(x.response().body.bytes(), StandardCharsets.US_ASCII)).isEqualTo("{\"id\":\"r-77\"}");
            assertThat(x.request().complete).isTrue();
            assertThat(x.response().complete).isTrue();
            assertThat(x.notes()).isEmpty();
        });
        conn.end("connection closed");
        assertThat(exchanges).hasSize(1);
    }

    @Test
    void aServerThatAnswersEarlyAndResetsTheStreamLeavesTheRequestBodyIncomplete() {
        openConnection();
        goClientSendsHeadersThenServerAnswers(1, "0123456789");
        clientWriter.writeData(ctx, 1, Unpooled.wrappedBuffer("0123".getBytes(StandardCharsets.US_ASCII)), 0, false, ctx.newPromise());
        send(written());
        serverWriter.writeRstStream(ctx, 1, 0, ctx.newPromise()); // NO_ERROR: "stop sending, you have your answer"
        receive(written());

        assertThat(exchanges).singleElement().satisfies(x -> {
            assertThat(new String(x.request().body.bytes(), StandardCharsets.US_ASCII)).isEqualTo("0123");
            assertThat(x.request().complete).isFalse();
            assertThat(x.response().complete).isTrue();
            assertThat(x.notes()).singleElement().asString()
                    .isEqualTo("the response ended before the request body was whole (4 bytes seen), then stream reset by the server (NO_ERROR)");
        });
    }

    @Test
    void aRequestBodyStillUnfinishedWhenTheConnectionEndsIsIncomplete() {
        openConnection();
        goClientSendsHeadersThenServerAnswers(1, "0123456789");
        conn.end("connection closed");

        assertThat(exchanges).singleElement().satisfies(x -> {
            assertThat(x.request().complete).isFalse();
            assertThat(x.response().complete).isTrue();
            assertThat(x.notes()).singleElement().asString()
                    .isEqualTo("the response ended before the request body was whole (0 bytes seen), then connection closed");
        });
    }
}
