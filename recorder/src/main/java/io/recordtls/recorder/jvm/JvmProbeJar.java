package io.recordtls.recorder.jvm;

import io.recordtls.agent.AgentWire;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Where the JVM probe's agent jar (module jvm-probe) is: where {@code -Drecordtls.jvmProbeJar}
 * says, beside the recorder on its class path (a build, the CLI), or carried inside the
 * recorder's runnable jar, then extracted once per recorder process.
 */
public final class JvmProbeJar {
    static final String AGENT_CLASS = "io.recordtls.jvmprobe.JvmProbe";
    /** A part of the jar's file name: how a JVM's command line or environment shows the probe. */
    static final String NAME_PART = "recordtls-jvm-probe";

    private static Optional<Path> extracted;

    private JvmProbeJar() {}

    public static synchronized Optional<Path> find() {
        String configured = System.getProperty("recordtls.jvmProbeJar");
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured).toAbsolutePath();
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        }
        try {
            Class<?> agent = Class.forName(AGENT_CLASS, false, JvmProbeJar.class.getClassLoader());
            Path p = Path.of(agent.getProtectionDomain().getCodeSource().getLocation().toURI());
            // a jar with the agent's manifest; classes in a build directory cannot be a -javaagent
            if (Files.isRegularFile(p) && p.getFileName().toString().contains(NAME_PART)) {
                return Optional.of(p.toAbsolutePath());
            }
        } catch (ClassNotFoundException | URISyntaxException | SecurityException e) {
            // not on the class path: carried inside this jar, or absent
        }
        if (extracted == null) {
            extracted = extract();
        }
        return extracted;
    }

    /**
     * The carried jar, copied out where the JVMs it is given to (any user's) can read it and
     * nobody else can replace it: a new directory of a random name (mkdir fails on a planted
     * one), removed when this process ends.
     */
    private static Optional<Path> extract() {
        try (InputStream in = JvmProbeJar.class.getClassLoader().getResourceAsStream(AgentWire.JVM_PROBE_ENTRY)) {
            if (in == null) {
                return Optional.empty();
            }
            Path dir = Files.createTempDirectory("recordtls-jvm-probe-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            dir.toFile().deleteOnExit(); // files registered later are deleted first
            Path jar = dir.resolve(NAME_PART + ".jar");
            jar.toFile().deleteOnExit();
            Files.copy(in, jar);
            Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("r--r--r--"));
            return Optional.of(jar);
        } catch (IOException e) {
            throw new UncheckedIOException("extract the JVM probe's jar: " + e.getMessage(), e);
        }
    }

    /** JAVA_TOOL_OPTIONS for a JVM to load the probe from its first instruction, after what it already had. */
    public static String javaToolOptions(Path jar, String existing) {
        String option = "-javaagent:" + jar;
        if (existing == null || existing.isBlank()) {
            return option;
        }
        return existing.contains(option) ? existing : existing + " " + option;
    }
}
