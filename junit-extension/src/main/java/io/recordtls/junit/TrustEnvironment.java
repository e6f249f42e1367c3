package io.recordtls.junit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
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
 *
 * <p>Where the system's CAs are also in the hashed certificate directory Debian's and Ubuntu's
 * curl has as its CApath ({@code /etc/ssl/certs}), CURL_CA_BUNDLE names a file of the extra CAs
 * alone: curl looks a system CA up there by hash when a chain needs it, while a bundle of every
 * system CA is parsed whole by each curl that starts (about 45 ms of a 60 ms curl here). So does
 * NODE_EXTRA_CA_CERTS (Node adds it to its own CAs). SSL_CERT_FILE stays the whole bundle: some
 * of its readers read nothing else (rustls-native-certs, httpx before 0.28, a Python with an
 * OpenSSL of its own).
 */
public final class TrustEnvironment {
    private static final List<Path> SYSTEM_BUNDLES = List.of(Path.of("/etc/ssl/certs/ca-certificates.crt"),
            Path.of("/etc/pki/tls/certs/ca-bundle.crt"), Path.of("/etc/ssl/cert.pem"));
    /** Debian's OpenSSL directory (OPENSSLDIR/certs) and where it points: curl's CApath there. */
    private static final Path OPENSSL_CERTS = Path.of("/usr/lib/ssl/certs"), SYSTEM_CERTS = Path.of("/etc/ssl/certs");

    private TrustEnvironment() {}

    /**
     * Writes {@code bundle}: the system's CAs followed by {@code cas}, and returns the variables
     * (where curl finds the system's CAs by hash, a second file beside it holds {@code cas} alone).
     */
    public static Map<String, String> trusting(Path bundle, List<Path> cas) throws IOException {
        List<String> pem = new ArrayList<>();
        for (Path system : SYSTEM_BUNDLES) {
            if (Files.isReadable(system)) {
                pem.add(Files.readString(system));
                break;
            }
        }
        List<String> own = new ArrayList<>();
        for (Path ca : cas) {
            own.add(Files.readString(ca));
        }
        pem.addAll(own);
        Files.writeString(bundle, String.join("\n", pem));
        Map<String, String> env = variables(bundle.toString());
        if (systemCasFoundByHash() && !own.isEmpty()) {
            // a name of its own (O_EXCL): the bundle may lie in a shared temporary directory
            String name = bundle.getFileName().toString().replaceFirst("\\.pem$", "");
            Path alone = Files.createTempFile(bundle.toAbsolutePath().getParent(), name + "-cas-", ".pem");
            Files.writeString(alone, String.join("\n", own));
            if (Files.getFileStore(alone).supportsFileAttributeView("posix")) {
                // readable like the bundle beside it (a temporary file starts as the owner's only)
                Files.setPosixFilePermissions(alone, Files.getPosixFilePermissions(bundle));
            }
            env.put("CURL_CA_BUNDLE", alone.toString());
            env.put("NODE_EXTRA_CA_CERTS", alone.toString()); // Node adds it to its own CAs either way
        }
        return env;
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

    /**
     * Whether the system's certificate directory is Debian's (OpenSSL's, and curl's CApath) and
     * holds its CAs under their hash names, and an SSL_CERT_DIR the clients inherit (which curl
     * takes as its CApath) still names it.
     */
    static boolean systemCasFoundByHash() {
        try {
            if (!Files.isSameFile(OPENSSL_CERTS, SYSTEM_CERTS) || !namesSystemCerts(System.getenv("SSL_CERT_DIR"))) {
                return false;
            }
            try (DirectoryStream<Path> hashed = Files.newDirectoryStream(SYSTEM_CERTS, "[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f].0")) {
                return hashed.iterator().hasNext();
            }
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static boolean namesSystemCerts(String certDirs) throws IOException {
        if (certDirs == null) {
            return true;
        }
        for (String d : certDirs.split(":")) {
            if (!d.isEmpty() && Files.isDirectory(Path.of(d)) && Files.isSameFile(Path.of(d), SYSTEM_CERTS)) {
                return true;
            }
        }
        return false;
    }
}
