package io.recordtls.cli;

import io.recordtls.replayer.server.ReplayOptions;
import io.recordtls.replayer.server.ReplayServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import io.recordtls.recorder.commandline.StopSignals;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves stub mappings (from 'recordtls stubs') with WireMock over HTTP and HTTPS until SIGINT/SIGTERM.",
                "HTTPS uses a certificate for every recorded host, signed by a CA written to a file: make clients",
                "trust it (curl --cacert, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS). Stubs match the",
                "recorded host and port: point clients at the replay server and keep the original URL, e.g.",
                "  curl --connect-to api.example.com:443:127.0.0.1:8443 --cacert CA https://api.example.com/...",
                "A request nothing matches gets 404 with the closest recorded request, and is printed and counted."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped, every request was matched", "1:stopped, some requests matched nothing", "2:usage error",
                "125:the server could not start"})
final class ReplayCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "directory with mappings/ and __files/")
    Path dir;

    @Option(names = "--port", paramLabel = "N", defaultValue = "0", description = "HTTP port (0: any free port, -1: no HTTP; default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--https-port", paramLabel = "N", defaultValue = "0", description = "HTTPS port (0: any free port, -1: no HTTPS; default ${DEFAULT-VALUE})")
    int httpsPort;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
    String bind;

    @Option(names = "--ca-dir", paramLabel = "DIR", description = "where to write the CA certificate (default: DIR)")
    Path caDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger signal = new AtomicInteger();
        StopSignals.onStop(number -> {
            signal.set(number);
            stop.countDown();
        });
        // it serves until stopped: no journal of every request (only which stubs were used)
        ReplayOptions options = ReplayOptions.defaults().withBindAddress(bind).withPorts(port, httpsPort)
                .withCertificateDir(caDir != null ? caDir : dir).withServedKept(false);
        try (ReplayServer server = ReplayServer.start(dir, options, u -> {
            synchronized (err) {
                err.println("recordtls: unmatched: " + u.toString().replace("\n", "\n    "));
                err.flush();
            }
        })) {
            out.println("recordtls replay: ready " + String.join(" ", java.util.stream.Stream.of(server.httpUrl(),
                    server.httpsPort() > 0 ? server.httpsUrl() : null).filter(java.util.Objects::nonNull).toList())
                    + " stubs=" + server.stubCount() + " ca=" + server.caCertificate());
            out.flush();
            stop.await();
            long unmatched = server.unmatchedCount();
            err.println("recordtls replay: stopped; " + unmatched + " unmatched request" + (unmatched == 1 ? "" : "s")
                    + ", " + server.unusedStubs().size() + " of " + server.stubCount() + " stubs never used");
            err.flush();
            return unmatched == 0 ? 0 : 1;
        } catch (IOException e) {
            err.println("recordtls: " + e.getMessage());
            return 125;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 125;
        }
    }
}
