package io.recordtls.recorder.http;

import io.recordtls.har.Redactor;
import io.recordtls.recorder.har.HarEntryFactory;
import io.recordtls.recorder.har.MonotonicClock;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Feeds a fuzz input to a connection as the kernel side would: the client's bytes and the
 * server's, in calls of varying sizes, interleaved; then makes HAR entries of what came out.
 * An input is the client's bytes, the separator, the server's bytes. Some inputs lose calls as a
 * full ring buffer would (gaps), so decoding's way back after a hole is fuzzed too.
 */
final class HttpFuzzing {
    static final byte[] SEPARATOR = "\n--server--\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    private static final ConnectionInfo INFO = new ConnectionInfo(1, 42, "fuzz", null, "libssl.so.3",
            new InetSocketAddress("127.0.0.1", 50000), new InetSocketAddress("127.0.0.1", 8443), true);

    private HttpFuzzing() {}

    /** The HAR entries of what the connection made of the input. */
    static List<de.sstoehr.harreader.model.HarEntry> run(byte[] prefix, byte[] input) {
        int cut = indexOf(input, SEPARATOR);
        byte[] client = cut < 0 ? input : Arrays.copyOfRange(input, 0, cut);
        byte[] server = cut < 0 ? new byte[0] : Arrays.copyOfRange(input, cut + SEPARATOR.length, input.length);
        byte[] out = new byte[prefix.length + client.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(client, 0, out, prefix.length, client.length);
        List<Exchange> exchanges = new ArrayList<>();
        HttpConnection conn = new HttpConnection(() -> INFO, 1 << 16, exchanges::add);
        // call sizes from the input itself, so that a crash replays the same way
        int step = 1 + (input.length == 0 ? 0 : (input[0] & 0xff) % 97);
        // from the second byte: every k-th call lost (k of 3 to 10), or none
        int lostEvery = input.length < 2 ? 0 : (input[1] & 0xff) % 11;
        long ts = 1_000;
        for (int o = 0, i = 0, call = 1; o < out.length || i < server.length; call++) {
            boolean lost = lostEvery >= 3 && call % lostEvery == 0;
            if (o < out.length) {
                int n = Math.min(step, out.length - o);
                if (lost) {
                    conn.out.onGap(n, false, ts++);
                } else {
                    conn.out.onBytes(out, o, n, ts++, ts++);
                }
                o += n;
            }
            if (i < server.length) {
                int n = Math.min(step * 2 + 1, server.length - i);
                if (lost && call % 2 == 0) {
                    conn.in.onGap(n, false, ts++);
                } else {
                    conn.in.onBytes(server, i, n, ts++, ts++);
                }
                i += n;
            }
        }
        conn.end("fuzz input ended");
        HarEntryFactory entries = new HarEntryFactory(new MonotonicClock(), new Redactor(true, Redactor.Rules.defaults()), 1 << 20);
        List<de.sstoehr.harreader.model.HarEntry> out2 = new ArrayList<>();
        for (Exchange x : exchanges) {
            out2.add(entries.entry(x));
        }
        return out2;
    }

    private static int indexOf(byte[] b, byte[] p) {
        outer:
        for (int i = 0; i + p.length <= b.length; i++) {
            for (int j = 0; j < p.length; j++) {
                if (b[i + j] != p[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
