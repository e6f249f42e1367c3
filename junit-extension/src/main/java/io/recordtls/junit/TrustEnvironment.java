package io.recordtls.junit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Environment variables that make common clients trust extra CAs besides the system's:
 * OpenSSL (and Python's ssl, curl, Ruby, PHP) read SSL_CERT_FILE, curl CURL_CA_BUNDLE, Python's
 * requests REQUESTS_CA_BUNDLE, Node NODE_EXTRA_CA_CERTS.
 */
public final class TrustEnvironment {
    private static final List<Path> SYSTEM_BUNDLES = List.of(Path.of("/etc/ssl/certs/ca-certificates.crt"),
            Path.of("/etc/pki/tls/certs/ca-bundle.crt"), Path.of("/etc/ssl/cert.pem"));

    private TrustEnvironment() {}

    /** Writes {@code bundle}: the system's CAs followed by {@code cas}, and returns the variables. */
    public static Map<String, String> trusting(Path bundle, List<Path> cas) throws IOException {
        List<String> pem = new ArrayList<>();
        for (Path system : SYSTEM_BUNDLES) {
            if (Files.isReadable(system)) {
                pem.add(Files.readString(system));
                break;
            }
        }
        for (Path ca : cas) {
            pem.add(Files.readString(ca));
        }
        Files.writeString(bundle, String.join("\n", pem));
        return variables(bundle.toString());
    }

    /** The variables naming a bundle at {@code path} (a path where the client runs: inside a container, say). */
    public static Map<String, String> variables(String path) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SSL_CERT_FILE", path);
        env.put("CURL_CA_BUNDLE", path);
        env.put("REQUESTS_CA_BUNDLE", path);
        env.put("NODE_EXTRA_CA_CERTS", path);
        return env;
    }
}
