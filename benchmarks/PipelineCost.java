import de.sstoehr.harreader.model.HarEntry;
import io.recordtls.har.Redactor;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.har.HarEntryFactory;
import io.recordtls.recorder.har.HarFileWriter;
import io.recordtls.recorder.har.MonotonicClock;
import io.recordtls.recorder.http.ConnectionInfo;
import io.recordtls.recorder.http.Exchange;
import io.recordtls.recorder.http.HttpConnection;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the recorder's pipeline thread costs per exchange, without probes, ring buffer or load
 * generator: the same keep-alive GET and JSON response fed over and over through one
 * HttpConnection (the response in 16 KiB calls, as SSL_read hands them over), each exchange made
 * into a HAR entry (redaction on, as by default) and spooled by a HarFileWriter, the HAR written
 * to nowhere at the end. One thread, as in the recorder. Prints "exchanges/s MB/s-of-bodies".
 *
 *   java -cp CLI-CLASSPATH benchmarks/PipelineCost.java BODY-FILE SECONDS
 */
public final class PipelineCost {
    public static void main(String[] args) throws Exception {
        byte[] body = Files.readAllBytes(Path.of(args[0]));
        double seconds = Double.parseDouble(args[1]);
        byte[] request = "GET /item.json HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] head = ("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: keep-alive\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] response = new byte[head.length + body.length];
        System.arraycopy(head, 0, response, 0, head.length);
        System.arraycopy(body, 0, response, head.length, body.length);

        RecorderOptions defaults = RecorderOptions.defaults();
        HarEntryFactory entries = new HarEntryFactory(new MonotonicClock(), new Redactor(defaults.redact(), defaults.redaction()), defaults.maxBody());
        ConnectionInfo info = new ConnectionInfo(1, 1, "bench", null, "OpenSSL", null, null, true);
        long[] made = new long[1];
        try (HarFileWriter har = new HarFileWriter()) {
            HttpConnection connection = new HttpConnection(() -> info, defaults.maxBody(), (Exchange x) -> {
                HarEntry entry = entries.entry(x);
                har.add(made[0], entry);
                HarEntryFactory.release(entry);
                x.closeBodies();
                made[0]++;
            });
            run(connection, request, response, 2.0); // warm: the JIT compiles what the loop runs
            long before = made[0], t0 = System.nanoTime();
            run(connection, request, response, seconds);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long n = made[0] - before;
            har.writeTo(OutputStream.nullOutputStream(), "bench", null, java.util.Map.of());
            System.out.printf("%.0f %.1f%n", n / elapsed, n * (double) body.length / elapsed / 1e6);
        }
    }

    private static void run(HttpConnection c, byte[] request, byte[] response, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long ts = System.nanoTime();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 16; i++) {
                c.out.onBytes(request, 0, request.length, ts, ts + 1);
                for (int off = 0; off < response.length; off += 16384) {
                    int n = Math.min(16384, response.length - off);
                    c.in.onBytes(response, off, n, ts + 2, ts + 3);
                }
                ts += 4;
            }
        }
    }
}
