package io.recordtls.replayer.server;

import java.nio.file.Path;

/**
 * Where the replay server listens. Ports 0 mean "any free port"; -1 turns that listener off.
 * {@code certificateDir}: where the CA file is written (null: a temporary directory).
 */
public record ReplayOptions(String bindAddress, int httpPort, int httpsPort, Path certificateDir) {
    public static ReplayOptions defaults() {
        return new ReplayOptions("127.0.0.1", 0, 0, null);
    }

    public ReplayOptions withPorts(int http, int https) {
        return new ReplayOptions(bindAddress, http, https, certificateDir);
    }

    public ReplayOptions withBindAddress(String address) {
        return new ReplayOptions(address, httpPort, httpsPort, certificateDir);
    }

    public ReplayOptions withCertificateDir(Path dir) {
        return new ReplayOptions(bindAddress, httpPort, httpsPort, dir);
    }
}
