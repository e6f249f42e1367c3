package io.recordtls.replayer.server;

import java.nio.file.Path;
import java.util.Set;

/**
 * Where the replay server listens. Ports 0 mean "any free port"; -1 turns that listener off.
 * {@code certificateDir}: where the CA file is written (null: a temporary directory).
 * {@code serverNames}: host names the server's certificate is for besides the stubs' hosts
 * (a server started before its stubs are known still passes a client's name check).
 */
public record ReplayOptions(String bindAddress, int httpPort, int httpsPort, Path certificateDir, Set<String> serverNames) {
    public ReplayOptions {
        serverNames = Set.copyOf(serverNames);
    }

    public static ReplayOptions defaults() {
        return new ReplayOptions("127.0.0.1", 0, 0, null, Set.of());
    }

    public ReplayOptions withPorts(int http, int https) {
        return new ReplayOptions(bindAddress, http, https, certificateDir, serverNames);
    }

    public ReplayOptions withBindAddress(String address) {
        return new ReplayOptions(address, httpPort, httpsPort, certificateDir, serverNames);
    }

    public ReplayOptions withCertificateDir(Path dir) {
        return new ReplayOptions(bindAddress, httpPort, httpsPort, dir, serverNames);
    }

    public ReplayOptions withServerNames(Set<String> names) {
        return new ReplayOptions(bindAddress, httpPort, httpsPort, certificateDir, names);
    }
}
