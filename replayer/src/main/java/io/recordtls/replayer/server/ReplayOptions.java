package io.recordtls.replayer.server;

import java.nio.file.Path;
import java.util.Set;

/**
 * Where the replay server listens. Ports 0 mean "any free port"; -1 turns that listener off.
 * {@code certificateDir}: where the CA file is written (null: a temporary directory).
 * {@code serverNames}: host names the server's certificate is for besides the stubs' hosts
 * (a server started before its stubs are known still passes a client's name check).
 * {@code keepServed}: whether every request served is kept for {@link ReplayServer#served} (what
 * a test's exchanges are); a server that runs until stopped keeps none, so that its memory does
 * not grow with each request it answers (WireMock's journal has no bound).
 */
public record ReplayOptions(String bindAddress, int httpPort, int httpsPort, Path certificateDir, Set<String> serverNames,
                            boolean keepServed) {
    public ReplayOptions {
        serverNames = Set.copyOf(serverNames);
    }

    public static ReplayOptions defaults() {
        return new ReplayOptions("127.0.0.1", 0, 0, null, Set.of(), true);
    }

    public ReplayOptions withPorts(int http, int https) {
        return new ReplayOptions(bindAddress, http, https, certificateDir, serverNames, keepServed);
    }

    public ReplayOptions withBindAddress(String address) {
        return new ReplayOptions(address, httpPort, httpsPort, certificateDir, serverNames, keepServed);
    }

    public ReplayOptions withCertificateDir(Path dir) {
        return new ReplayOptions(bindAddress, httpPort, httpsPort, dir, serverNames, keepServed);
    }

    public ReplayOptions withServerNames(Set<String> names) {
        return new ReplayOptions(bindAddress, httpPort, httpsPort, certificateDir, names, keepServed);
    }

    public ReplayOptions withServedKept(boolean keep) {
        return new ReplayOptions(bindAddress, httpPort, httpsPort, certificateDir, serverNames, keep);
    }
}
