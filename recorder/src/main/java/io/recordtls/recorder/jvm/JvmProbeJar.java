package io.recordtls.recorder.jvm;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the JVM probe's agent jar (module jvm-probe) is: beside the recorder on its class path,
 * or where {@code -Drecordtls.jvmProbeJar} says.
 */
public final class JvmProbeJar {
    static final String AGENT_CLASS = "io.recordtls.jvmprobe.JvmProbe";
    /** A part of the jar's file name: how a JVM's command line or environment shows the probe. */
    static final String NAME_PART = "recordtls-jvm-probe";

    private JvmProbeJar() {}

    public static Optional<Path> find() {
        String configured = System.getProperty("recordtls.jvmProbeJar");
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured).toAbsolutePath();
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        }
        try {
            Class<?> agent = Class.forName(AGENT_CLASS, false, JvmProbeJar.class.getClassLoader());
            Path p = Path.of(agent.getProtectionDomain().getCodeSource().getLocation().toURI());
            // a jar with the agent's manifest; classes in a build directory cannot be a -javaagent
            return Files.isRegularFile(p) ? Optional.of(p.toAbsolutePath()) : Optional.empty();
        } catch (ClassNotFoundException | URISyntaxException | SecurityException e) {
            return Optional.empty();
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
