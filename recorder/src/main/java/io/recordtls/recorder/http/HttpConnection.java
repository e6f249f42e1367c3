package io.recordtls.recorder.http;

import io.recordtls.recorder.stream.StreamControl;
import io.recordtls.recorder.stream.StreamSink;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * One TLS connection's plaintext: decides from its first bytes what it carries (HTTP/1.1 as a
 * client or as a server, HTTP/2, something else) and hands the streams to the right parser.
 */
public final class HttpConnection {
    public enum Protocol { UNKNOWN, HTTP1, HTTP2, OTHER }

    private static final byte[] H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int SNIFF_LIMIT = 64;

    private final Supplier<ConnectionInfo> info;
    private final long maxBody;
    private final ExchangeListener listener;
    private final List<String> notes = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();
    private final byte[][] prefix = {new byte[0], new byte[0]}; // [in, out]
    private Protocol protocol = Protocol.UNKNOWN;
    private boolean clientSide = true;
    private Http1Parser http1;
    private Http2Parser http2;
    private long otherBytes;
    private boolean midConnectionHttp2;
    private StreamControl inControl = StreamControl.NONE, outControl = StreamControl.NONE;
    /** Bytes held before the protocol was known are being replayed: the streams are ahead of them. */
    private boolean replaying;

    private record Pending(boolean out, byte[] data, long tsEnter, long tsExit, long gap, boolean capped) {}

    private static final java.util.concurrent.atomic.AtomicBoolean WARMED = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Decodes a made-up HTTP/1.1 exchange and an HTTP/2 connection start on a thread of its own,
     * once per JVM. The first connection a recording decodes otherwise pays for loading and
     * linking Netty's decoders (about a quarter of a second here) while its events wait: the
     * headers of a fast download were read so late that its body had passed the kernel whole,
     * before the recorder could ask it to skip the bytes past --max-body. The HTTP/1.1 exchange
     * goes on to {@code then}, on that thread, to warm what comes after decoding.
     */
    public static void warmUpInBackground(ExchangeListener then) {
        if (!WARMED.compareAndSet(false, true)) {
            return;
        }
        Thread.ofPlatform().daemon().name("recordtls-decoder-warm-up").start(() -> {
            try {
                ConnectionInfo none = new ConnectionInfo(0, 0, "warm-up", null, null, null, null, true);
                byte[] request = "POST /w HTTP/1.1\r\nHost: w\r\nContent-Length: 2\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII);
                byte[] response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
                HttpConnection h1 = new HttpConnection(() -> none, 1 << 10, then);
                h1.out.onBytes(request, 0, request.length, 1, 2);
                h1.in.onBytes(response, 0, response.length, 3, 4);
                h1.end("warm-up");
                byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1);
                byte[] settings = {0, 0, 0, 4, 0, 0, 0, 0, 0};
                HttpConnection h2 = new HttpConnection(() -> none, 1 << 10, x -> { });
                h2.out.onBytes(preface, 0, preface.length, 1, 2);
                h2.in.onBytes(settings, 0, settings.length, 3, 4);
                h2.end("warm-up");
            } catch (RuntimeException e) {
                // only a warm-up: the first real connection loads what this did not
            }
        });
    }

    public HttpConnection(Supplier<ConnectionInfo> info, long maxBody, ExchangeListener listener) {
        this.info = info;
        this.maxBody = maxBody;
        this.listener = listener;
    }

    public final StreamSink in = new Direction(false);
    public final StreamSink out = new Direction(true);

    public Protocol protocol() {
        return protocol;
    }

    public boolean clientSide() {
        return clientSide;
    }

    /** The streams feeding {@link #in} and {@link #out}, which a parser may ask to skip a body's tail. */
    public void controls(StreamControl in, StreamControl out) {
        this.inControl = in;
        this.outControl = out;
    }

    /** A direction's control, or none while held bytes are replayed (a skip would be counted from past them). */
    private StreamControl control(boolean isOut) {
        StreamControl c = isOut ? outControl : inControl;
        return (from, until) -> !replaying && c.skip(from, until);
    }

    /** What was odd about this connection, for the HAR's log. */
    public List<String> notes() {
        return notes;
    }

    public long otherBytes() {
        return otherBytes;
    }

    /** An HTTP/2 connection seen from its middle: reported, never decoded. */
    public boolean midConnectionHttp2() {
        return midConnectionHttp2;
    }

    /** A plausible HTTP/2 frame header: 24-bit length, a known type, valid flags and stream id. */
    static boolean looksLikeHttp2Frame(byte[] b) {
        if (b.length < 9) {
            return false;
        }
        int length = (b[0] & 0xff) << 16 | (b[1] & 0xff) << 8 | (b[2] & 0xff);
        int type = b[3] & 0xff;
        boolean reservedBitClear = (b[5] & 0x80) == 0;
        int stream = (b[5] & 0x7f) << 24 | (b[6] & 0xff) << 16 | (b[7] & 0xff) << 8 | (b[8] & 0xff);
        boolean streamOk = switch (type) {
            case 4, 6, 7 -> stream == 0;           // SETTINGS, PING, GOAWAY
            case 0, 1, 2, 3, 5, 9 -> stream != 0;  // DATA, HEADERS, PRIORITY, RST_STREAM, PUSH_PROMISE, CONTINUATION
            case 8 -> true;                        // WINDOW_UPDATE
            default -> false;
        };
        return length <= (1 << 24) - 1 && reservedBitClear && streamOk && (length > 0 || type == 4 || type == 0 || type == 1);
    }

    public void end(String why) {
        if (protocol == Protocol.UNKNOWN && !pending.isEmpty()) {
            decide(true);
        }
        if (http1 != null) {
            http1.end(why);
        }
        if (http2 != null) {
            http2.end(why);
        }
    }

    private final class Direction implements StreamSink {
        private final boolean isOut;

        Direction(boolean isOut) {
            this.isOut = isOut;
        }

        @Override
        public void onBytes(byte[] data, int offset, int length, long tsEnter, long tsExit) {
            switch (protocol) {
                case HTTP1, HTTP2 -> sink(isOut).onBytes(data, offset, length, tsEnter, tsExit);
                case OTHER -> otherBytes += length;
                case UNKNOWN -> {
                    byte[] copy = Arrays.copyOfRange(data, offset, offset + length);
                    pending.add(new Pending(isOut, copy, tsEnter, tsExit, 0, false));
                    int i = isOut ? 1 : 0;
                    if (prefix[i].length < SNIFF_LIMIT) {
                        int take = Math.min(SNIFF_LIMIT - prefix[i].length, length);
                        byte[] p = Arrays.copyOf(prefix[i], prefix[i].length + take);
                        System.arraycopy(copy, 0, p, prefix[i].length, take);
                        prefix[i] = p;
                    }
                    decide(false);
                }
            }
        }

        @Override
        public void onGap(long length, boolean capped, long ts) {
            switch (protocol) {
                case HTTP1, HTTP2 -> sink(isOut).onGap(length, capped, ts);
                case OTHER -> otherBytes += length;
                case UNKNOWN -> {
                    pending.add(new Pending(isOut, null, ts, ts, length, capped));
                    // A hole before we know what this is: we will never know.
                    decide(true);
                }
            }
        }
    }

    private StreamSink sink(boolean isOut) {
        boolean requestStream = isOut == clientSide;
        if (http2 != null) {
            return requestStream ? http2.clientSink() : http2.serverSink();
        }
        return requestStream ? http1.requestSink() : http1.responseSink();
    }

    private void decide(boolean force) {
        byte[] in = prefix[0], out = prefix[1];
        if (!force && (partialPreface(out) || partialPreface(in))) {
            return; // "PRI * HTTP/2.0..." so far: wait for the whole preface
        }
        Boolean outIsRequest = looksLikeRequest(out), inIsRequest = looksLikeRequest(in);
        if (startsWith(out, H2_PREFACE) || startsWith(in, H2_PREFACE)) {
            protocol = Protocol.HTTP2;
            clientSide = startsWith(out, H2_PREFACE);
        } else if (!force && in.length == 0 && looksLikeHttp2Frame(out)) {
            return; // an HTTP/2 server sends its SETTINGS before it reads the client's preface
        } else if (!force && out.length == 0 && looksLikeHttp2Frame(in)) {
            // and a client can read them before its preface is captured: Java's HttpClient wraps
            // the preface on one thread while another unwraps the server's SETTINGS
            return;
        } else if (Boolean.TRUE.equals(outIsRequest)) {
            protocol = Protocol.HTTP1;
            clientSide = true;
        } else if (Boolean.TRUE.equals(inIsRequest) && out.length == 0 || Boolean.TRUE.equals(inIsRequest) && Boolean.FALSE.equals(outIsRequest)) {
            protocol = Protocol.HTTP1;
            clientSide = false;
        } else if (startsWith(in, HTTP1_RESPONSE) && out.length == 0 || startsWith(out, HTTP1_RESPONSE) && in.length == 0) {
            // Joined between a request and its response (a probe attached, a recording started
            // on a live keep-alive connection): the side sending a status line is the server.
            // That response is reported as unpaired; the next request is decoded whole.
            protocol = Protocol.HTTP1;
            clientSide = startsWith(in, HTTP1_RESPONSE);
        } else if (Boolean.FALSE.equals(outIsRequest) || (out.length == 0 && Boolean.FALSE.equals(inIsRequest)) || force) {
            protocol = Protocol.OTHER;
            byte[] first = out.length > 0 ? out : in;
            String otherStart = printable(first);
            if (looksLikeHttp2Frame(first)) {
                // HPACK state cannot be rebuilt mid-connection: decoding would invent headers.
                midConnectionHttp2 = true;
                notes.add("HTTP/2 connection whose beginning was not captured (recording started after it opened): not decoded");
            } else {
                notes.add("not HTTP: TLS stream starting with \"" + otherStart + "\" skipped");
            }
        } else {
            return; // need more bytes
        }
        if (protocol == Protocol.HTTP1) {
            http1 = new Http1Parser(info, maxBody, listener, notes, clientSide, control(clientSide), control(!clientSide));
        } else if (protocol == Protocol.HTTP2) {
            http2 = new Http2Parser(info, maxBody, listener, notes);
        }
        List<Pending> replay = new ArrayList<>(pending);
        pending.clear();
        replaying = true;
        try {
            for (Pending p : replay) {
                StreamSink s = p.out ? this.out : this.in;
                if (p.data != null) {
                    s.onBytes(p.data, 0, p.data.length, p.tsEnter, p.tsExit);
                } else {
                    s.onGap(p.gap, p.capped, p.tsEnter);
                }
            }
        } finally {
            replaying = false;
        }
    }

    private static final byte[] HTTP1_RESPONSE = "HTTP/1.".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** TRUE for "METHOD target", FALSE for anything else, null when there are not enough bytes yet. */
    static Boolean looksLikeRequest(byte[] b) {
        if (b.length == 0) {
            return null;
        }
        int i = 0;
        while (i < b.length && i <= 20) {
            byte c = b[i];
            if (c == ' ') {
                return i >= 3 ? Boolean.TRUE : Boolean.FALSE;
            }
            if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_')) {
                return Boolean.FALSE;
            }
            i++;
        }
        return i > 20 ? Boolean.FALSE : null;
    }

    private static boolean partialPreface(byte[] b) {
        return b.length > 0 && b.length < H2_PREFACE.length && Arrays.equals(b, 0, b.length, H2_PREFACE, 0, b.length);
    }

    private static boolean startsWith(byte[] b, byte[] p) {
        if (b.length < p.length) {
            return false;
        }
        return Arrays.equals(b, 0, p.length, p, 0, p.length);
    }

    private static String printable(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 40); i++) {
            int c = b[i] & 0xff;
            s.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
        }
        return s.toString();
    }
}
