package io.recordtls.junit;

import io.recordtls.agent.AgentWire;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * What the privileged recorder runs from: its runnable jar (carried as a resource by
 * recordtls-recorder-bundle, so none of its classes reach the test classpath) and a Java 22 or
 * newer (it calls libbpf through FFM), which need not be the test JVM's own: a Java 17 or 21
 * test run finds one on the machine.
 */
final class RecorderRuntime {
    /** The first Java release whose FFM the recorder uses. */
    static final int MINIMUM_JAVA = 22;
    static final String JAVA_PROPERTY = "recordtls.java";
    static final String JAVA_ENVIRONMENT = "RECORDTLS_JAVA";
    static final String JAR_PROPERTY = "recordtls.recorderJar";
    static final String JAR_ENVIRONMENT = "RECORDTLS_RECORDER_JAR";
    static final String BUNDLED_JAR = "io/recordtls/recorder/bundle/recordtls-recorder-all.jar";

    /** A Java installation: its home and feature release (17, 21, 25...). */
    record JavaHome(Path home, int feature) {
        Path java() {
            return home.resolve("bin/java");
        }
    }

    /** The recorder's jar on this machine and a digest of its content (names the container image). */
    record RecorderJar(Path path, String digest) {}

    private static RecorderJar jar;
    /** Where {@link #recorderJar} put the bundled jar: empty for a configured jar, or when there is no cache directory. */
    private static Optional<RecorderStartCache> startCache = Optional.empty();
    private static JavaHome recorderJava;

    private RecorderRuntime() {}

    /** Why recording cannot start here, or null: checked before a recording test runs. */
    static String whyNotRunnable() {
        try {
            recorderJar();
            java();
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /**
     * The recorder's jar: configured, or copied out of the bundle once per test JVM into this
     * user's cache directory (named by its content), else into a temp directory of its own.
     */
    static synchronized RecorderJar recorderJar() throws IOException {
        if (jar != null) {
            return jar;
        }
        String configured = setting(JAR_PROPERTY, JAR_ENVIRONMENT);
        if (configured != null) {
            Path p = Path.of(configured).toAbsolutePath();
            if (!Files.isRegularFile(p)) {
                throw new AgentLauncher.RecordingImpossibleException(describe(JAR_PROPERTY, JAR_ENVIRONMENT) + " names " + p
                        + ", which is not a file: point it at recordtls-recorder-VERSION-all.jar");
            }
            try (InputStream in = Files.newInputStream(p)) {
                return jar = new RecorderJar(p, RecorderStartCache.copy(in, null));
            }
        }
        try (InputStream in = RecorderRuntime.class.getClassLoader().getResourceAsStream(BUNDLED_JAR)) {
            if (in == null) {
                throw new AgentLauncher.RecordingImpossibleException("the recorder is not on the test classpath: recording needs"
                        + " io.recordtls:recordtls-recorder-bundle (a dependency of recordtls-junit; was it excluded?),"
                        + " or -D" + JAR_PROPERTY + "=/path/to/recordtls-recorder-VERSION-all.jar");
            }
            startCache = RecorderStartCache.open();
            if (startCache.isPresent()) {
                return jar = startCache.get().place(in); // the same path from run to run: the JVM's AOT cache can serve it
            }
            Path dir = Files.createTempDirectory("recordtls-recorder-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            dir.toFile().deleteOnExit(); // registered first, deleted last
            Path target = dir.resolve("recordtls-recorder.jar");
            target.toFile().deleteOnExit();
            return jar = new RecorderJar(target, RecorderStartCache.copy(in, target));
        }
    }

    /** The cache the recorder's jar is in, once {@link #recorderJar} placed it there. */
    static synchronized Optional<RecorderStartCache> startCache() {
        return startCache;
    }

    /** The JVM probe's jar, as the recorder carries it: for containers that record from their start. */
    static Optional<Path> jvmProbeJar(Path into) throws IOException {
        Path target = into.resolve("recordtls-jvm-probe.jar");
        if (Files.isRegularFile(target)) {
            return Optional.of(target);
        }
        try (JarFile recorder = new JarFile(recorderJar().path().toFile())) {
            ZipEntry entry = recorder.getEntry(AgentWire.JVM_PROBE_ENTRY);
            if (entry == null) {
                return Optional.empty();
            }
            try (InputStream in = recorder.getInputStream(entry)) {
                Files.copy(in, target);
            }
            return Optional.of(target);
        }
    }

    /**
     * A Java 22+ for the recorder: the one configured, this JVM when it is one, else the newest
     * found where JDKs are installed. None: what to install, in the exception's message.
     */
    static synchronized JavaHome java() throws IOException {
        if (recorderJava == null) {
            recorderJava = findJava();
        }
        return recorderJava;
    }

    private static JavaHome findJava() throws IOException {
        String configured = setting(JAVA_PROPERTY, JAVA_ENVIRONMENT);
        if (configured != null) {
            Path p = Path.of(configured).toAbsolutePath();
            Path home = Files.isRegularFile(p) && p.getFileName().toString().equals("java") ? p.getParent().getParent() : p;
            Optional<JavaHome> j = inspect(home);
            if (j.isEmpty() || j.get().feature() < MINIMUM_JAVA) {
                throw new AgentLauncher.RecordingImpossibleException(describe(JAVA_PROPERTY, JAVA_ENVIRONMENT) + " names " + p + ", which is "
                        + j.map(x -> "Java " + x.feature()).orElse("no Java installation") + ": the recorder needs Java "
                        + MINIMUM_JAVA + " or newer");
            }
            return j.get();
        }
        if (Runtime.version().feature() >= MINIMUM_JAVA) {
            return new JavaHome(Path.of(System.getProperty("java.home")), Runtime.version().feature());
        }
        List<Path> places = new ArrayList<>();
        Optional.ofNullable(System.getenv("JAVA_HOME")).filter(s -> !s.isBlank()).map(Path::of).ifPresent(places::add);
        Path user = Path.of(System.getProperty("user.home"));
        List<Path> roots = List.of(Path.of("/usr/lib/jvm"), Path.of("/usr/local/lib/jvm"), Path.of("/opt/java"), Path.of("/opt"),
                user.resolve(".sdkman/candidates/java"), user.resolve(".jdks"), user.resolve(".gradle/jdks"),
                user.resolve(".local/share/mise/installs/java"), user.resolve(".asdf/installs/java"));
        for (Path root : roots) {
            if (Files.isDirectory(root)) {
                try (DirectoryStream<Path> homes = Files.newDirectoryStream(root)) {
                    homes.forEach(places::add);
                } catch (IOException ignored) {
                    // an unreadable place holds no JDK for us
                }
            }
        }
        JavaHome best = null;
        for (Path place : places) {
            Optional<JavaHome> j = inspect(place);
            if (j.isPresent() && j.get().feature() >= MINIMUM_JAVA && (best == null || j.get().feature() > best.feature())) {
                best = j.get();
            }
        }
        if (best == null) {
            throw new AgentLauncher.RecordingImpossibleException("the recorder runs on Java " + MINIMUM_JAVA + " or newer (it calls libbpf through"
                    + " FFM); this test JVM is Java " + Runtime.version().feature() + " and none was found in JAVA_HOME, /usr/lib/jvm,"
                    + " /opt, ~/.sdkman, ~/.jdks or ~/.gradle/jdks. Install one (e.g. Temurin 25 from https://adoptium.net, or"
                    + " 'sdk install java 25-tem'), or name it with -D" + JAVA_PROPERTY + "=/path/to/jdk; replaying needs none (-D"
                    + RecordTlsMode.PROPERTY + "=REPLAY)");
        }
        return best;
    }

    /** A Java home's feature release from its {@code release} file (JAVA_VERSION="25.0.1"). */
    static Optional<JavaHome> inspect(Path home) {
        Path release = home.resolve("release");
        if (!Files.isExecutable(home.resolve("bin/java")) || !Files.isReadable(release)) {
            return Optional.empty();
        }
        try {
            for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "").strip();
                    String first = v.split("[.+-]", 2)[0];
                    int feature = Integer.parseInt(first.equals("1") ? v.split("\\.")[1] : first);
                    return Optional.of(new JavaHome(home.toAbsolutePath().normalize(), feature));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not a Java home we can read
        }
        return Optional.empty();
    }

    private static String setting(String property, String environment) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(environment);
        }
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static String describe(String property, String environment) {
        String v = System.getProperty(property);
        return v != null && !v.isBlank() ? "-D" + property : environment;
    }
}
