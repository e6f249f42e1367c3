package io.recordtls.junit;

import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ModifierSupport;
import org.junit.platform.commons.support.ReflectionSupport;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.MountableFile;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Testcontainers containers of a test class, declared as {@code @Container} fields, made
 * recording targets or pointed at the replay before they start. Touches Testcontainers classes:
 * only used when {@link #available()}.
 */
final class ContainerTargets {
    static final String CONTAINER_ANNOTATION = "org.testcontainers.junit.jupiter.Container";
    /** Where the replay's CA bundle is copied inside a container. */
    static final String CA_BUNDLE_IN_CONTAINER = "/etc/recordtls/replay-ca-bundle.pem";
    /** The same CAs as a trust store for JVMs, named in JAVA_TOOL_OPTIONS. */
    static final String TRUST_STORE_IN_CONTAINER = "/etc/recordtls/replay-truststore.p12";
    /** Where the JVM probe's jar is copied inside a container, named in JAVA_TOOL_OPTIONS. */
    static final String JVM_PROBE_IN_CONTAINER = "/opt/recordtls/recordtls-jvm-probe.jar";
    static final String JAVA_TOOL_OPTIONS = "JAVA_TOOL_OPTIONS";

    private ContainerTargets() {}

    static boolean available() {
        try {
            Class.forName("org.testcontainers.containers.GenericContainer", false, ContainerTargets.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** True when the class declares @Container fields (static or not), without touching Testcontainers. */
    static boolean declaredIn(Class<?> testClass) {
        return !ReflectionSupport.findFields(testClass, ContainerTargets::isContainerField, HierarchyTraversalMode.TOP_DOWN).isEmpty();
    }

    private static boolean isContainerField(Field f) {
        return Arrays.stream(f.getAnnotations()).anyMatch(a -> a.annotationType().getName().equals(CONTAINER_ANNOTATION));
    }

    /** The containers of the static fields ({@code instance} null) or of an instance's fields. */
    static List<GenericContainer<?>> of(Class<?> testClass, Object instance) {
        List<GenericContainer<?>> out = new ArrayList<>();
        for (Field f : ReflectionSupport.findFields(testClass, ContainerTargets::isContainerField, HierarchyTraversalMode.TOP_DOWN)) {
            if (ModifierSupport.isStatic(f) != (instance == null)) {
                continue;
            }
            Object value = ReflectionSupport.tryToReadFieldValue(f, instance).toOptional().orElse(null);
            if (value instanceof GenericContainer<?> c) {
                out.add(c);
            } else if (value != null) {
                throw new ExtensionConfigurationException("@Container field " + f.getName() + " is a " + value.getClass().getName()
                        + ": @RecordTls records and replays GenericContainer (and its subclasses) only");
            }
        }
        return out;
    }

    /** Docker's cgroup driver decides how a parent cgroup is named. */
    static String cgroupDriver() {
        String driver = DockerClientFactory.instance().client().infoCmd().exec().getCGroupDriver();
        return driver == null || driver.isBlank() ? "cgroupfs" : driver;
    }

    /**
     * Recording: the container starts under the recorder's parent cgroup, so the kernel side
     * records its processes from their first instruction. Must happen before it starts.
     */
    static void prepareForRecording(GenericContainer<?> c, String cgroupParent, Path scratch) throws IOException {
        requireNotStarted(c, "recorded from its start");
        c.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withCgroupParent(cgroupParent));
        // A JVM in the container loads the JVM probe from its first instruction (others ignore
        // the variable). Without the jar here, the recorder attaches it once the JVM runs.
        RecorderRuntime.jvmProbeJar(scratch).ifPresent(jar -> {
            c.withCopyFileToContainer(MountableFile.forHostPath(jar, 0644), JVM_PROBE_IN_CONTAINER);
            appendJavaToolOptions(c, "-javaagent:" + JVM_PROBE_IN_CONTAINER);
        });
    }

    /** After what the container's configuration already has (JAVA_TOOL_OPTIONS's last -D wins). */
    private static void appendJavaToolOptions(GenericContainer<?> c, String options) {
        String existing = c.getEnvMap().get(JAVA_TOOL_OPTIONS);
        c.withEnv(JAVA_TOOL_OPTIONS, existing == null || existing.isBlank() ? options : existing + " " + options);
    }

    /**
     * Replaying: the container reaches the replay servers under the recorded names and ports
     * (host entries to this machine) and trusts their CA (a bundle copied in, named by the
     * variables OpenSSL, curl, Python requests and Node read; a trust store named in
     * JAVA_TOOL_OPTIONS for JVMs); its image and the rest of its configuration stay as they
     * were when recording.
     */
    static void prepareForReplay(GenericContainer<?> c, Path caBundle, Path trustStore, Collection<Origin> origins) {
        requireNotStarted(c, "pointed at the replay");
        String address = addressOfThisMachineFor(c);
        for (Origin o : origins) {
            if (!o.loopback() && !o.host().matches("[0-9.]+|\\[.*]")) {
                c.withExtraHost(o.host(), address);
            }
        }
        c.withCopyFileToContainer(MountableFile.forHostPath(caBundle, 0644), CA_BUNDLE_IN_CONTAINER);
        for (Map.Entry<String, String> e : TrustEnvironment.variables(CA_BUNDLE_IN_CONTAINER).entrySet()) {
            c.withEnv(e.getKey(), e.getValue());
        }
        // JVMs read none of those: a trust store, after any the configuration names
        c.withCopyFileToContainer(MountableFile.forHostPath(trustStore, 0644), TRUST_STORE_IN_CONTAINER);
        appendJavaToolOptions(c, "-Djavax.net.ssl.trustStore=" + TRUST_STORE_IN_CONTAINER + " -Djavax.net.ssl.trustStoreType=PKCS12"
                + " -Djavax.net.ssl.trustStorePassword=" + ReplaySession.TRUST_STORE_PASSWORD);
    }

    /**
     * How the container reaches the replay servers on this machine: loopback on the host network;
     * Docker's "host-gateway" on its default bridge; on a network of its own, that network's
     * gateway (an engine without a default bridge has no "host-gateway" to give).
     */
    private static String addressOfThisMachineFor(GenericContainer<?> c) {
        String mode = c.getNetworkMode();
        if ("host".equals(mode)) {
            return "127.0.0.1";
        }
        String network = c.getNetwork() != null ? c.getNetwork().getId()
                : mode == null || mode.isBlank() || mode.equals("default") ? "bridge" : mode;
        try {
            var ipam = DockerClientFactory.instance().client().inspectNetworkCmd().withNetworkId(network).exec().getIpam();
            if (network.equals("bridge")) {
                return "host-gateway";
            }
            if (ipam != null && ipam.getConfig() != null) {
                for (var config : ipam.getConfig()) {
                    if (config.getGateway() != null && !config.getGateway().isBlank() && !config.getGateway().contains(":")) {
                        return config.getGateway();
                    }
                }
            }
        } catch (RuntimeException e) {
            if (network.equals("bridge")) {
                throw new ExtensionConfigurationException("the container " + c.getDockerImageName() + " would run on Docker's default"
                        + " bridge network, which this engine does not have (" + e.getMessage() + "): give it a network"
                        + " (Network.newNetwork()) or the host's (withNetworkMode(\"host\")) so it can reach the replay");
            }
            throw new ExtensionConfigurationException("inspect the network " + network + " of " + c.getDockerImageName() + ": " + e.getMessage(), e);
        }
        return "host-gateway";
    }

    private static void requireNotStarted(GenericContainer<?> c, String what) {
        if (c.getContainerId() != null) {
            throw new ExtensionConfigurationException("the container " + c.getDockerImageName() + " was started before @RecordTls"
                    + " could prepare it; it must be " + what + ". Put @RecordTls before @Testcontainers on the class"
                    + " (extensions run in the order they are declared)");
        }
    }
}
