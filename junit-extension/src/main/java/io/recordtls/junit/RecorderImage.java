package io.recordtls.junit;

import io.recordtls.har.FileTrees;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The recorder's container image: the Dockerfile shipped with this extension, built on this
 * machine from the recorder's jar and a runtime linked from the Java 22+ the recorder uses, so
 * the recorder in the container is exactly the one of the run. Tagged by a digest of what goes
 * in; built once per change.
 */
final class RecorderImage {
    static final String REPOSITORY = "recordtls-recorder";
    /** The base image (must have, or be able to install, libbpf1): -Drecordtls.recorderBaseImage or RECORDTLS_RECORDER_BASE_IMAGE. */
    static final String BASE_PROPERTY = "recordtls.recorderBaseImage";
    static final String BASE_ENVIRONMENT = "RECORDTLS_RECORDER_BASE_IMAGE";
    /** Modules the recorder and its libraries use (FFM is in java.base). */
    private static final String MODULES = "java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,java.desktop,jdk.unsupported,jdk.crypto.ec,jdk.attach";

    private RecorderImage() {}

    static String baseImage() {
        String base = System.getProperty(BASE_PROPERTY);
        if (base == null || base.isBlank()) {
            base = System.getenv(BASE_ENVIRONMENT);
        }
        return base == null || base.isBlank() ? "debian:bookworm-slim" : base.strip();
    }

    /** The image's name, built first when this machine does not have it yet. */
    static synchronized String ensureBuilt() throws IOException {
        RecorderRuntime.RecorderJar jar = RecorderRuntime.recorderJar();
        RecorderRuntime.JavaHome jdk = RecorderRuntime.java();
        byte[] dockerfile = dockerfile();
        String tag = REPOSITORY + ":" + digest(dockerfile, jar, jdk);
        if (Docker.run(List.of("image", "inspect", tag), 60).exitCode() == 0) {
            return tag;
        }
        Path context = Files.createTempDirectory("recordtls-recorder-image");
        try {
            Files.write(context.resolve("Dockerfile"), dockerfile);
            runtime(jdk, context.resolve("jre"));
            Files.copy(jar.path(), context.resolve("recordtls-recorder.jar"));
            Docker.Result build = Docker.run(List.of("build", "--network", "host", "--build-arg", "BASE=" + baseImage(),
                    "-t", tag, context.toString()), 900);
            if (build.exitCode() != 0) {
                throw new IOException("docker build of the recorder image " + tag + " failed (base image " + baseImage()
                        + ", which must have libbpf1 or reach a Debian mirror; choose another with -D" + BASE_PROPERTY + "):\n"
                        + build.tail(20));
            }
            removeOlderImages(tag);
            return tag;
        } finally {
            FileTrees.deleteQuietly(context);
        }
    }

    /**
     * Each image holds a runtime and the recorder (about a hundred MB): older ones go once a new one
     * is built. One in use by a running recorder stays (docker refuses), one another project
     * still needs is built again on its next run.
     */
    private static void removeOlderImages(String keep) throws IOException {
        Docker.Result tags = Docker.run(List.of("images", REPOSITORY, "--format", "{{.Repository}}:{{.Tag}}"), 60);
        if (tags.exitCode() != 0) {
            return;
        }
        for (String image : tags.output().lines().map(String::strip).collect(java.util.stream.Collectors.toList())) {
            if (image.startsWith(REPOSITORY + ":") && !image.equals(keep)) {
                Docker.run(List.of("image", "rm", image), 120);
            }
        }
    }

    private static byte[] dockerfile() throws IOException {
        try (InputStream in = RecorderImage.class.getResourceAsStream("recorder-image/Dockerfile")) {
            if (in == null) {
                throw new IOException("the recorder's Dockerfile is missing from the recordtls-junit jar");
            }
            return in.readAllBytes();
        }
    }

    /** A trimmed runtime of the recorder's Java (jlink), or a copy of it where that JDK cannot link one. */
    private static void runtime(RecorderRuntime.JavaHome jdk, Path target) throws IOException {
        Path jlink = jdk.home().resolve("bin/jlink");
        if (Files.isExecutable(jlink)) {
            try {
                Process p = new ProcessBuilder(jlink.toString(), "--add-modules", MODULES, "--strip-debug", "--no-header-files",
                        "--no-man-pages", "--output", target.toString()).redirectErrorStream(true).start();
                p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                if (p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while linking the recorder's runtime", e);
            }
            FileTrees.deleteQuietly(target);
        }
        FileTrees.copy(jdk.home(), target);
    }

    private static String digest(byte[] dockerfile, RecorderRuntime.RecorderJar jar, RecorderRuntime.JavaHome jdk) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(dockerfile);
            md.update(baseImage().getBytes(StandardCharsets.UTF_8));
            md.update(jdk.home().toString().getBytes(StandardCharsets.UTF_8));
            md.update(Integer.toString(jdk.feature()).getBytes(StandardCharsets.UTF_8));
            md.update(jar.digest().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
