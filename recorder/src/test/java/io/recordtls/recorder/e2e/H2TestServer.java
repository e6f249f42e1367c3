package io.recordtls.recorder.e2e;

import io.recordtls.recorder.demo.DemoHttpsServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The HTTP/2-only TLS test server (h2server.js on node, not recorded), with the demo server's certificate. */
final class H2TestServer implements AutoCloseable {
    private final Process process;
    final String base;

    private H2TestServer(Process process, String base) {
        this.process = process;
        this.base = base;
    }

    static H2TestServer start(DemoHttpsServer tls) throws IOException, InterruptedException {
        Path script = TestResources.copy("/h2server.js");
        Path portFile = Files.createTempFile("h2server", ".port");
        Files.delete(portFile);
        Process p = new ProcessBuilder("node", script.toString(), tls.keyStore().toString(), DemoHttpsServer.KEYSTORE_PASSWORD,
                portFile.toString()).inheritIO().start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(portFile) || Files.size(portFile) == 0) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                p.destroyForcibly();
                throw new IllegalStateException("the HTTP/2 test server did not start");
            }
            Thread.sleep(50);
        }
        return new H2TestServer(p, "https://localhost:" + Files.readString(portFile).trim());
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
