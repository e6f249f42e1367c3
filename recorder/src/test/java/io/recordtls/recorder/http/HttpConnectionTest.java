package io.recordtls.recorder.http;

import io.recordtls.recorder.stream.DirectionStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP/1.1 from reassembled byte streams, fed as the kernel side would: call by call, with offsets. */
class HttpConnectionTest {
    private final List<Exchange> exchanges = new ArrayList<>();
    private final ConnectionInfo info = new ConnectionInfo(1, 42, "curl", null, "libssl.so.3",
            new InetSocketAddress("127.0.0.1", 50000), new InetSocketAddress("127.0.0.1", 8443), true);
    private final HttpConnection conn = new HttpConnection(() -> info, 1 << 20, exchanges::add);
    private final DirectionStream out = new DirectionStream(conn.out, Long.MAX_VALUE);
    private final DirectionStream in = new DirectionStream(conn.in, Long.MAX_VALUE);
    private long outOff, inOff, ts = 1_000_000;

    private void send(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        out.accept(outOff, b.length, 0, b, ts++, ts++);
        outOff += b.length;
    }

    private void receive(String s) {
        receive(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private void receive(byte[] b) {
        in.accept(inOff, b.length, 0, b, ts++, ts++);
        inOff += b.length;
    }

    private static String body(CapturedMessage m) {
        return new String(m.body.bytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void keepAliveExchangesAreSeparateEntriesInOrder() {
        send("GET /a HTTP/1.1\r\nHost: api.test\r\n\r\n");
        receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
        send("GET /b?x=1 HTTP/1.1\r\nHost: api.test\r\n\r\n");
        receive("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope");
        conn.end("closed");

        assertThat(exchanges).hasSize(2);
        assertThat(exchanges.get(0).request().target).isEqualTo("/a");
        assertThat(body(exchanges.get(0).response())).isEqualTo("first");
        assertThat(exchanges.get(1).response().status).isEqualTo(404);
        assertThat(body(exchanges.get(1).response())).isEqualTo("nope");
        assertThat(exchanges).allMatch(x -> x.response().complete && x.notes().isEmpty());
    }

    @Test
    void pipelinedRequestsPairWithResponsesInOrder() {
        send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /3 HTTP/1.1\r\nHost: h\r\n\r\n");
        receive("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2"
                + "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        conn.end("closed");

        assertThat(exchanges).extracting(x -> x.request().target).containsExactly("/1", "/2", "/3");
        assertThat(exchanges).extracting(x -> body(x.response())).containsExactly("1", "2", "");
        assertThat(exchanges.get(2).response().complete).as("HEAD response has no body despite Content-Length").isTrue();
    }

    @Test
    void chunkedBodyIsDechunkedWithTrailers() {
        send("GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
        receive("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        receive("6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n");
        conn.end("closed");

        assertThat(body(exchanges.getFirst().response())).isEqualTo("hello world");
        assertThat(exchanges.getFirst().response().trailers).containsExactly(new Header("X-Checksum", "42"));
    }

    @Test
    void closeDelimitedBodyEndsWithTheConnection() {
        send("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n");
        receive("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of ");
        receive("this");
        assertThat(exchanges).isEmpty();
        conn.end("connection closed");

        assertThat(body(exchanges.getFirst().response())).isEqualTo("all of this");
        assertThat(exchanges.getFirst().response().complete).isTrue();
    }

    @Test
    void noBodyFor204And304AndInterim100IsSkipped() {
        send("PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        receive("HTTP/1.1 100 Continue\r\n\r\n");
        send("abc");
        receive("HTTP/1.1 204 No Content\r\n\r\n");
        send("GET /e HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"x\"\r\n\r\n");
        receive("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n");
        conn.end("closed");

        assertThat(exchanges).extracting(x -> x.response().status).containsExactly(204, 304);
        assertThat(body(exchanges.get(0).request())).isEqualTo("abc");
        assertThat(exchanges).allMatch(x -> x.response().complete);
    }

    @Test
    void upgradeStopsParsingAndSaysSo() {
        send("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        receive("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u0081\u0005hello");
        send("\u0081\u0085garbage");
        conn.end("closed");

        assertThat(exchanges).hasSize(1);
        assertThat(exchanges.getFirst().response().status).isEqualTo(101);
        assertThat(exchanges.getFirst().notes()).anyMatch(n -> n.contains("upgraded to websocket"));
    }

    @Test
    void responseCutShortIsIncompleteWithWhatArrived() {
        send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
        receive("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        conn.end("process 42 exited");

        Exchange x = exchanges.getFirst();
        assertThat(x.response().complete).isFalse();
        assertThat(body(x.response())).isEqualTo("0123456789");
        assertThat(x.notes()).anyMatch(n -> n.contains("response cut short: process 42 exited"));
    }

    @Test
    void requestWithoutResponseIsKept() {
        send("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi");
        conn.end("process 42 exited");

        assertThat(exchanges).hasSize(1);
        assertThat(exchanges.getFirst().response()).isNull();
        assertThat(exchanges.getFirst().notes()).anyMatch(n -> n.startsWith("no response"));
    }

    private static String response(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void aResponseLostWholeBetweenMessagesLeavesItsRequestAndDecodingResumesAtTheNext() {
        send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("first"));
        send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
        inOff += response("second").length(); // the whole response never arrived (ring buffer full)
        send("GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("third"));
        send("GET /d HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("fourth"));
        conn.end("closed");

        assertThat(exchanges).extracting(x -> x.request().target).containsExactly("/a", "/b", "/c", "/d");
        assertThat(exchanges.get(1).response()).isNull();
        assertThat(exchanges.get(1).notes()).containsExactly("no response: its bytes were lost in capture (ring buffer full)");
        assertThat(exchanges).extracting(x -> x.response() == null ? null : body(x.response()))
                .containsExactly("first", null, "third", "fourth");
        assertThat(exchanges.get(2).response().complete).isTrue();
        assertThat(exchanges.get(2).notes()).singleElement().asString().startsWith("paired with its request by time");
        assertThat(exchanges.get(3).notes()).isEmpty();
        assertThat(conn.notes()).containsExactly("response stream: bytes lost in capture where a message could start (1 time); "
                + "decoding resumed 1 time at the next response start (0 bytes skipped)");
    }

    @Test
    void aHoleAcrossAResponsesEndSkipsToTheNextResponseWhoseRequestCameAfterIt() {
        String second = response("0123456789"), third = response("the third response's body");
        send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("first"));
        send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(second.substring(0, second.length() - 6)); // headers and the body's first 4 bytes
        send("GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
        inOff += 6 + 20; // lost: /b's last 6 bytes and the first 20 of /c's response
        receive(third.substring(20));
        send("GET /d HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("fourth"));
        conn.end("closed");

        assertThat(exchanges).extracting(x -> x.request().target).containsExactly("/a", "/b", "/c", "/d");
        CapturedMessage b = exchanges.get(1).response();
        assertThat(body(b)).isEqualTo("0123\0\0\0\0\0\0");
        assertThat(b.complete).isFalse();
        assertThat(b.lostBytes).isEqualTo(26);
        assertThat(exchanges.get(2).response()).as("its start was in the hole").isNull();
        assertThat(body(exchanges.get(3).response())).isEqualTo("fourth");
        assertThat(exchanges.get(3).response().complete).isTrue();
        assertThat(conn.notes()).singleElement().asString().contains("decoding resumed 1 time")
                .endsWith("(" + (third.length() - 20) + " bytes skipped)");
    }

    @Test
    void aResponseIsNotResumedAtWhenNoRequestCameAfterTheLastBytesBeforeTheHole() {
        send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        receive("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        inOff += 4; // the next chunk's size line never arrived
        receive(response("a body chunk that looks like a response")); // /a's body still: /a came before the hole
        conn.end("closed");

        assertThat(exchanges).singleElement().satisfies(x -> {
            assertThat(body(x.response())).isEqualTo("hello");
            assertThat(x.response().complete).isFalse();
            assertThat(x.notes()).containsExactly("4 bytes lost in capture (ring buffer full or memory unreadable)");
        });
        assertThat(conn.notes()).singleElement().asString().contains("no response start was found, the rest is not decoded");
    }

    @Test
    void aRequestLostBetweenMessagesLeavesItsResponseUnpairedAndTheNextRequestIsDecoded() {
        send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("first"));
        outOff += "GET /b HTTP/1.1\r\nHost: h\r\n\r\n".length(); // the request never arrived
        receive(response("second"));
        send("POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
        receive(response("third"));
        conn.end("closed");

        assertThat(exchanges).extracting(x -> x.request().target).containsExactly("/a", "/c");
        assertThat(body(exchanges.get(1).request())).isEqualTo("abc");
        assertThat(body(exchanges.get(1).response())).isEqualTo("third");
        assertThat(conn.notes()).contains("a 200 response arrived with no request seen (recording started mid-connection?)");
        assertThat(conn.notes()).anyMatch(n -> n.startsWith("request stream: bytes lost in capture where a message could start"));
    }

    @Test
    void bytesLostInsideABodyMarkTheEntryAndKeepTheRest() {
        send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
        byte[] head = "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n0123456789".getBytes(StandardCharsets.US_ASCII);
        receive(head);
        inOff += 10; // ten bytes never arrived (ring buffer full)
        receive("ABCDEFGHIJ");
        conn.end("closed");

        CapturedMessage res = exchanges.getFirst().response();
        assertThat(res.lostBytes).isEqualTo(10);
        assertThat(res.complete).isFalse();
        assertThat(res.body.size()).isEqualTo(30);
        assertThat(body(res)).startsWith("0123456789").endsWith("ABCDEFGHIJ");
    }

    @Test
    void serverSideRecordingSeesRequestsOnTheReadStream() {
        HttpConnection server = new HttpConnection(() -> info, 1 << 20, exchanges::add);
        byte[] req = "GET /s HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] res = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
        server.in.onBytes(req, 0, req.length, 1, 2);
        server.out.onBytes(res, 0, res.length, 3, 4);
        server.end("closed");

        assertThat(server.clientSide()).isFalse();
        assertThat(exchanges).hasSize(1);
        assertThat(body(exchanges.getFirst().response())).isEqualTo("ok");
    }

    @Test
    void aResumedResponseIsLeftOutWhenTheRequestSideLostBytesBeforeIt() {
        // one ring buffer for both directions: response /b and request /c are lost together
        send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("first"));
        send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
        inOff += response("second").length();
        outOff += "GET /c HTTP/1.1\r\nHost: h\r\n\r\n".length();
        receive(response("third")); // /c's: its request is not known, /b's is the only one seen
        send("GET /d HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("fourth"));
        conn.end("closed");

        assertThat(exchanges).extracting(x -> x.request().target + "=" + (x.response() == null ? null : body(x.response())))
                .containsExactly("/a=first", "/b=null", "/d=fourth");
        assertThat(exchanges.get(1).notes()).containsExactly("no response: its bytes were lost in capture (ring buffer full)");
        assertThat(conn.notes()).contains("a 200 response whose request may have been lost in capture was left out");
    }

    @Test
    void aResumedResponseAnswersARequestWhoseWriteWasReportedAfterIt() {
        // Go: the read loop's return can be reported before the write loop's
        send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("first"));
        send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
        inOff += response("second").length();
        long writeEntered = ts++;
        receive(response("third"));
        byte[] c = "GET /c HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        out.accept(outOff, c.length, 0, c, writeEntered, ts++);
        outOff += c.length;
        send("GET /d HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("fourth"));
        conn.end("closed");

        assertThat(exchanges).extracting(x -> x.request().target + "=" + (x.response() == null ? null : body(x.response())))
                .containsExactly("/a=first", "/b=null", "/c=third", "/d=fourth");
    }

    @Test
    void aLostHeadRequestDoesNotLetItsResponseSwallowTheNext() {
        send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("first"));
        outOff += "HEAD /b HTTP/1.1\r\nHost: h\r\n\r\n".length();
        receive("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"); // a HEAD's: no body follows
        send("GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
        receive(response("third"));
        conn.end("closed");

        assertThat(exchanges).extracting(x -> x.request().target + "=" + (x.response() == null ? null : body(x.response())))
                .containsExactly("/a=first", "/c=third");
        assertThat(exchanges.get(1).response().complete).isTrue();
        assertThat(conn.notes()).contains("a 200 response whose request may have been lost in capture was left out");
    }

    @Test
    void aServerWhoseWrittenResponseWasLostResumesAtTheNextResponse() {
        HttpConnection server = new HttpConnection(() -> info, 1 << 20, exchanges::add);
        DirectionStream read = new DirectionStream(server.in, Long.MAX_VALUE), written = new DirectionStream(server.out, Long.MAX_VALUE);
        long[] r = {0}, w = {0};
        java.util.function.BiConsumer<DirectionStream, String> call = (d, text) -> {
            byte[] b = text.getBytes(StandardCharsets.US_ASCII);
            long[] off = d == read ? r : w;
            d.accept(off[0], b.length, 0, b, ts++, ts++);
            off[0] += b.length;
        };
        call.accept(read, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
        call.accept(written, response("one"));
        call.accept(read, "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
        w[0] += response("two").length(); // the write's event was dropped
        call.accept(read, "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
        call.accept(written, response("three"));
        server.end("closed");

        assertThat(exchanges).extracting(x -> x.request().target + "=" + (x.response() == null ? null : body(x.response())))
                .containsExactly("/1=one", "/2=null", "/3=three");
    }

    @Test
    void aKeepAliveConnectionJoinedBetweenARequestAndItsResponseIsDecodedFromTheNextRequest() {
        // the JVM probe attached (or the recording began) after GET /0 went out: its response comes first
        receive("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nzero");
        send("GET /1 HTTP/1.1\r\nHost: api.test\r\n\r\n");
        receive("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none");
        conn.end("closed");

        assertThat(exchanges).singleElement().satisfies(x -> {
            assertThat(x.request().target).isEqualTo("/1");
            assertThat(body(x.response())).isEqualTo("one");
        });
        assertThat(conn.notes()).containsExactly("a 200 response arrived with no request seen (recording started mid-connection?)");
    }

    /**
     * Go's net/http writes a request on one goroutine and reads the response on another: the read
     * of the response can return (and reach the recorder) before the write of its request does.
     * Both exchanges keep their own responses; nothing is called unpaired.
     */
    @Test
    void aResponseReportedBeforeItsRequestStillAnswersIt() {
        byte[] get1 = "GET /json HTTP/1.1\r\nHost: api.test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] res1 = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\njson".getBytes(StandardCharsets.ISO_8859_1);
        byte[] get2 = "GET /bytes HTTP/1.1\r\nHost: api.test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] res2 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nbytes".getBytes(StandardCharsets.ISO_8859_1);
        // the reader was blocked since 5; the write of GET /json entered at 10, returned at 40,
        // after the read of its response (returned at 20) was reported
        in.accept(0, res1.length, 0, res1, 5, 20);
        out.accept(0, get1.length, 0, get1, 10, 40);
        in.accept(res1.length, res2.length, 0, res2, 21, 60);
        out.accept(get1.length, get2.length, 0, get2, 50, 70);
        conn.end("closed");

        assertThat(exchanges).hasSize(2);
        assertThat(exchanges.get(0).request().target).isEqualTo("/json");
        assertThat(body(exchanges.get(0).response())).isEqualTo("json");
        assertThat(exchanges.get(1).request().target).isEqualTo("/bytes");
        assertThat(body(exchanges.get(1).response())).isEqualTo("bytes");
        assertThat(exchanges).allMatch(x -> x.response().complete && x.notes().isEmpty());
        assertThat(conn.notes()).isEmpty();
    }

    @Test
    void aServerJoinedWhileItWritesAResponseIsDecodedFromTheNextRequest() {
        HttpConnection server = new HttpConnection(() -> info, 1 << 20, exchanges::add);
        DirectionStream sOut = new DirectionStream(server.out, Long.MAX_VALUE), sIn = new DirectionStream(server.in, Long.MAX_VALUE);
        byte[] answer = "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] next = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1);
        sOut.accept(0, answer.length, 0, answer, 1, 2);
        sIn.accept(0, next.length, 0, next, 3, 4);
        sOut.accept(answer.length, reply.length, 0, reply, 5, 6);
        server.end("closed");

        assertThat(server.clientSide()).isFalse();
        assertThat(exchanges).singleElement().satisfies(x -> assertThat(x.request().target).isEqualTo("/next"));
    }

    @Test
    void tlsTrafficThatIsNotHttpIsSkippedWithANote() {
        receive("220 mail.example ESMTP ready\r\n");
        send("EHLO client\r\n");
        conn.end("closed");

        assertThat(exchanges).isEmpty();
        assertThat(conn.protocol()).isEqualTo(HttpConnection.Protocol.OTHER);
        assertThat(conn.notes()).anyMatch(n -> n.contains("not HTTP") && n.contains("220 mail.example"));
    }

    @Test
    void http2PrefaceIsRecognisedNotMistakenForHttp1() {
        send("PRI * HTTP/2.0\r\n");
        assertThat(conn.protocol()).isEqualTo(HttpConnection.Protocol.UNKNOWN);
        send("\r\nSM\r\n\r\n\u0000\u0000\u0000\u0004\u0000\u0000\u0000\u0000\u0000");
        conn.end("closed");
        assertThat(conn.protocol()).isEqualTo(HttpConnection.Protocol.HTTP2);
        assertThat(exchanges).isEmpty();
    }

    @Test
    void http2ServerSideIsRecognisedWhenItsSettingsGoOutBeforeThePrefaceComesIn() {
        HttpConnection server = new HttpConnection(() -> info, 1 << 20, exchanges::add);
        byte[] settings = {0, 0, 0, 4, 0, 0, 0, 0, 0};
        server.out.onBytes(settings, 0, settings.length, 1, 2);
        assertThat(server.protocol()).isEqualTo(HttpConnection.Protocol.UNKNOWN);
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        server.in.onBytes(preface, 0, preface.length, 3, 4);
        assertThat(server.protocol()).isEqualTo(HttpConnection.Protocol.HTTP2);
        assertThat(server.clientSide()).isFalse();
    }

    @Test
    void http2ClientSideIsRecognisedWhenTheServersSettingsComeInBeforeThePrefaceGoesOut() {
        byte[] settings = {0, 0, 0, 4, 0, 0, 0, 0, 0};
        conn.in.onBytes(settings, 0, settings.length, 1, 2);
        assertThat(conn.protocol()).isEqualTo(HttpConnection.Protocol.UNKNOWN);
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        conn.out.onBytes(preface, 0, preface.length, 3, 4);
        assertThat(conn.protocol()).isEqualTo(HttpConnection.Protocol.HTTP2);
        assertThat(conn.clientSide()).isTrue();
    }

    @Test
    void http2SeenFromTheMiddleIsReportedNeverDecoded() {
        // a HEADERS frame on stream 5, as the first bytes seen: the HPACK state before it is unknown
        byte[] headers = {0, 0, 3, 1, 4, 0, 0, 0, 5, (byte) 0x82, (byte) 0x86, (byte) 0x84};
        conn.out.onBytes(headers, 0, headers.length, 1, 2);
        conn.end("closed");
        assertThat(exchanges).isEmpty();
        assertThat(conn.midConnectionHttp2()).isTrue();
        assertThat(conn.notes()).anyMatch(n -> n.contains("HTTP/2 connection whose beginning was not captured"));
    }

    @Test
    void bodyOverTheCapIsTruncatedWithItsTrueSize() {
        HttpConnection small = new HttpConnection(() -> info, 8, exchanges::add);
        byte[] req = "GET / HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream res = new ByteArrayOutputStream();
        res.writeBytes("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n01234567890123456789".getBytes(StandardCharsets.US_ASCII));
        small.out.onBytes(req, 0, req.length, 1, 2);
        small.in.onBytes(res.toByteArray(), 0, res.size(), 3, 4);
        small.end("closed");

        CapturedMessage r = exchanges.getFirst().response();
        assertThat(r.body.truncated()).isTrue();
        assertThat(r.body.size()).isEqualTo(20);
        assertThat(body(r)).isEqualTo("01234567");
        assertThat(r.complete).isTrue();
    }

    /**
     * Bytes not copied on purpose (a call over the copy limit) are an intended gap: the body is
     * kept up to where copying stopped, its true size is known, and the next message on the
     * keep-alive connection is decoded whole.
     */
    @Test
    void anIntendedGapInABodyKeepsTheTrueSizeAndTheNextMessageOnTheConnectionIsDecoded() {
        List<Exchange> seen = new ArrayList<>();
        HttpConnection c = new HttpConnection(() -> info, 1 << 20, seen::add);
        DirectionStream o = new DirectionStream(c.out, 4096), i = new DirectionStream(c.in, 4096);
        byte[] get1 = "GET /big HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] get2 = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] head = "HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] next = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext".getBytes(StandardCharsets.US_ASCII);
        o.accept(0, get1.length, 0, get1, 1, 2);
        i.accept(0, head.length, 0, head, 3, 4);
        // one read of the whole body: the kernel copies its first 4096 bytes only
        byte[] copied = new byte[4096];
        java.util.Arrays.fill(copied, (byte) 'x');
        i.accept(head.length, 3_000_000, 0, copied, 5, 6);
        o.accept(get1.length, get2.length, 0, get2, 7, 8);
        i.accept(head.length + 3_000_000, next.length, 0, next, 9, 10);
        c.end("closed");

        assertThat(seen).extracting(x -> x.request().target).containsExactly("/big", "/next");
        CapturedMessage big = seen.get(0).response();
        assertThat(big.complete).as("nothing was lost: the rest was not copied on purpose").isTrue();
        assertThat(big.body.size()).isEqualTo(3_000_000);
        assertThat(big.body.kept()).as("only bytes that were seen are kept, no stand-ins").isEqualTo(4096);
        assertThat(big.cappedBytes).isEqualTo(3_000_000 - 4096);
        assertThat(big.lostBytes).isZero();
        assertThat(new String(big.body.bytes(), StandardCharsets.US_ASCII)).isEqualTo("x".repeat(4096));
        assertThat(body(seen.get(1).response())).isEqualTo("next");
        assertThat(seen).allMatch(x -> x.notes().isEmpty());
        assertThat(i.cappedBytes()).isEqualTo(3_000_000 - 4096);
        assertThat(i.lostBytes()).isZero();
    }
}
