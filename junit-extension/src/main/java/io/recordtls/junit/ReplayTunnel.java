package io.recordtls.junit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The HTTPS proxy in-process clients are sent through while a test replays: a {@code CONNECT}
 * to a recorded origin becomes a tunnel to that origin's replay server (which presents a
 * certificate for the recorded name), so code that calls {@code https://api.example.com} reaches
 * the replay unchanged, whatever port the replay listens on. A {@code CONNECT} to anything else
 * is refused and remembered: replaying never touches the network.
 */
final class ReplayTunnel implements AutoCloseable {
    private static final int MAX_HEADER = 16 << 10;

    private final ServerSocket server;
    private final Function<Origin, Optional<Integer>> replayPort;
    private final List<String> refused = new java.util.ArrayList<>();
    private final Thread acceptor;

    /** {@code replayPort}: the loopback port serving a recorded https origin, if it was recorded. */
    ReplayTunnel(Function<Origin, Optional<Integer>> replayPort) throws IOException {
        this.replayPort = replayPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = DaemonThreads.start("recordtls-replay-tunnel", this::accept);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** Origins in-process code asked for that nothing was recorded for, since the last call. */
    synchronized List<String> takeRefused() {
        List<String> out = List.copyOf(refused);
        refused.clear();
        return out;
    }

    /** The same, without taking them. */
    synchronized List<String> refused() {
        return List.copyOf(refused);
    }

    private synchronized void refusedFor(String origin) {
        refused.add(origin);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                DaemonThreads.start("recordtls-replay-tunnel-conn", () -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            String[] request = head.split("\r\n", 2)[0].split(" ");
            if (request.length < 2 || !request[0].equals("CONNECT")) {
                refuse(out, 405, "recordtls replays HTTPS only: " + head.split("\r\n", 2)[0]);
                return;
            }
            Origin origin = Origin.parse("https://" + request[1].toLowerCase(Locale.ROOT));
            Optional<Integer> port = replayPort.apply(origin);
            if (port.isEmpty()) {
                refusedFor(origin.toString());
                refuse(out, 403, "recordtls REPLAY: nothing was recorded for " + origin + ", and replaying never reaches the network");
                return;
            }
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), port.get())) {
                out.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread back = DaemonThreads.start("recordtls-replay-tunnel-back", () -> pipe(upstream, client));
                pipe(client, upstream);
                back.join();
            }
        } catch (IOException | InterruptedException | IllegalArgumentException e) {
            // the client or the replay went away: the test sees that on its side
        }
    }

    /** Copies until EOF or an error; either way the other side learns of it (or a client with no timeout would hang). */
    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close(); // a reset on one side is a close on the other
                from.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4 && head.size() < MAX_HEADER) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static void refuse(OutputStream out, int status, String why) throws IOException {
        byte[] body = (why + "\n").getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " " + (status == 403 ? "Forbidden" : "Method Not Allowed") + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
