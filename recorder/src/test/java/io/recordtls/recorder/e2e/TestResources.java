package io.recordtls.recorder.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test programs kept as resources of this test jar (a JDK client, node's HTTP/2 server), as files a process can run. */
public final class TestResources {
    /** The client JVM tests run: JdkTlsClient.java, started with Java's source launcher. */
    public static final String JDK_TLS_CLIENT = "/jvm/JdkTlsClient.java";

    private TestResources() {}

    /** A copy of {@code resource} under its own name, in a new temporary directory. */
    public static Path copy(String resource) {
        try (InputStream in = TestResources.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + resource);
            }
            Path file = Files.createTempDirectory("recordtls-test").resolve(Path.of(resource).getFileName().toString());
            Files.write(file, in.readAllBytes());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("copy the test resource " + resource, e);
        }
    }
}
