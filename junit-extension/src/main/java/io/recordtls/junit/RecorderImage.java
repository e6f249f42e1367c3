package io.recordtls.junit;

import io.recordtls.recorder.FileTrees;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The recorder's container image: the Dockerfile shipped with this extension, built on this
 * machine from the test run's own Java runtime and classpath, so the recorder in the container is
 * exactly the code of the run. Tagged by a digest of what goes in; built once per change.
 */
final class RecorderImage {
    static final String REPOSITORY = "recordtls-recorder";
    /** The base image (must have, or be able to install, libbpf1): -Drecordtls.recorderBaseImage or RECORDTLS_RECORDER_BASE_IMAGE. */
    static final String BASE_PROPERTY = "recordtls.recorderBaseImage";
    static final String BASE_ENVIRONMENT = "RECORDTLS_RECORDER_BASE_IMAGE";
    /** Modules the recorder and its libraries use (FFM is in java.base). */
    private static final String MODULES = "java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,java.desktop,jdk.unsupported,jdk.crypto.ec,jdk.attach";

    /** The recorder's command line, started in the container (the agent is one of its commands). */
    static final String AGENT_MAIN = "io.recordtls.cli.RecordTlsCli";

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
        List<Path> classpath = classpath();
        byte[] dockerfile = dockerfile();
        String tag = REPOSITORY + ":" + digest(dockerfile, classpath);
        if (Docker.run(List.of("image", "inspect", tag), 60).exitCode() == 0) {
            return tag;
        }
        Path context = Files.createTempDirectory("recordtls-recorder-image");
        try {
            Files.write(context.resolve("Dockerfile"), dockerfile);
            runtime(context.resolve("jre"));
            Path lib = Files.createDirectories(context.resolve("lib"));
            List<String> entries = new ArrayList<>();
            for (int i = 0; i < classpath.size(); i++) {
                Path entry = classpath.get(i);
                String name = i + "-" + entry.getFileName();
                FileTrees.copy(entry, lib.resolve(name));
                entries.add("/opt/recordtls/lib/" + name);
            }
            Files.writeString(context.resolve("java-args"), "--enable-native-access=ALL-UNNAMED\n-cp\n" + String.join(":", entries) + "\n");
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
     * Each image holds a runtime and a classpath (a few hundred MB): older ones go once a new one
     * is built. One in use by a running recorder stays (docker refuses), one another project
     * still needs is built again on its next run.
     */
    private static void removeOlderImages(String keep) throws IOException {
        Docker.Result tags = Docker.run(List.of("images", REPOSITORY, "--format", "{{.Repository}}:{{.Tag}}"), 60);
        if (tags.exitCode() != 0) {
            return;
        }
        for (String image : tags.output().lines().map(String::strip).toList()) {
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

    /** A trimmed runtime of this JVM (jlink), or a copy of it where this JDK cannot link one. */
    private static void runtime(Path target) throws IOException {
        Path home = Path.of(System.getProperty("java.home"));
        Path jlink = home.resolve("bin/jlink");
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
        FileTrees.copy(home, target);
    }

    /**
     * What the recorder needs of this JVM's classpath: the recorder's jar and the files its
     * manifest's Class-Path names (its runtime dependencies), so that editing a test does not
     * make a new image. Where the recorder is not a jar with that list (classes in an IDE), the
     * whole classpath.
     */
    static List<Path> classpath() throws IOException {
        List<Path> all = fullClasspath();
        Path recorder;
        try {
            recorder = Path.of(Class.forName(AGENT_MAIN, false, RecorderImage.class.getClassLoader())
                    .getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath().normalize();
        } catch (ClassNotFoundException | java.net.URISyntaxException | RuntimeException e) {
            return all;
        }
        Set<String> needed = new java.util.HashSet<>();
        if (Files.isRegularFile(recorder)) {
            for (String ref : manifestClassPath(recorder)) {
                needed.add(Path.of(ref).getFileName().toString());
            }
        }
        List<Path> selected = new ArrayList<>(List.of(recorder));
        for (Path p : all) {
            if (needed.contains(p.getFileName().toString()) && !p.equals(recorder)) {
                selected.add(p);
            }
        }
        return needed.isEmpty() || selected.size() != needed.size() + 1 ? all : selected;
    }

    /**
     * This JVM's classpath, with the Class-Path of manifest-only jars (Surefire's booter, for
     * one) expanded: the container needs the real files.
     */
    private static List<Path> fullClasspath() throws IOException {
        Set<Path> out = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isBlank()) {
                add(Path.of(e).toAbsolutePath().normalize(), out);
            }
        }
        return List.copyOf(out);
    }

    private static void add(Path entry, Set<Path> out) throws IOException {
        if (!Files.exists(entry) || !out.add(entry) || Files.isDirectory(entry)) {
            return;
        }
        for (String ref : manifestClassPath(entry)) {
            add(Path.of(entry.getParent().toUri().resolve(ref)).normalize(), out);
        }
    }

    /** The entries of a jar's manifest Class-Path (relative URLs), none when it has none. */
    private static List<String> manifestClassPath(Path jarFile) throws IOException {
        try (JarFile jar = new JarFile(jarFile.toFile())) {
            var manifest = jar.getManifest();
            String cp = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
            return cp == null ? List.of() : java.util.Arrays.stream(cp.trim().split("\\s+")).filter(r -> !r.isEmpty()).toList();
        }
    }

    private static String digest(byte[] dockerfile, List<Path> classpath) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(dockerfile);
            md.update(baseImage().getBytes(StandardCharsets.UTF_8));
            md.update(System.getProperty("java.home").getBytes(StandardCharsets.UTF_8));
            md.update(Runtime.version().toString().getBytes(StandardCharsets.UTF_8));
            for (Path p : classpath) {
                md.update(p.toString().getBytes(StandardCharsets.UTF_8));
                try (Stream<Path> files = Files.walk(p)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        md.update((f + ":" + Files.size(f) + ":" + Files.getLastModifiedTime(f).toMillis()).getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
