package io.recordtls.jvmprobe;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.net.URISyntaxException;

/**
 * Entry points of the agent: {@code -javaagent:recordtls-jvm-probe.jar} (premain, from the JVM's
 * first instruction) or a dynamic attach by the recorder (agentmain).
 */
public final class JvmProbe {
    /** Set once the probe is installed in this JVM, to how it got here ("premain" or "agentmain"). */
    public static final String LOADED_PROPERTY = "io.recordtls.jvmprobe.loaded";
    /** The probe's jar, for the processes this JVM starts ({@link ProcessAdvice}). */
    static final String JAR_PROPERTY = "io.recordtls.jvmprobe.jar";

    private JvmProbe() {}

    public static void premain(String args, Instrumentation inst) {
        install(args, inst, "premain");
    }

    public static void agentmain(String args, Instrumentation inst) {
        install(args, inst, "agentmain");
    }

    /** JSSE as the probe knows it (SSLSocketImpl's app streams, SSLEngineImpl) is Java 11's and later's. */
    static final int FIRST_SUPPORTED_JAVA = 11;

    private static synchronized void install(String args, Instrumentation inst, String how) {
        if (javaVersion() < FIRST_SUPPORTED_JAVA) {
            // This class is built for Java 8, so that an older JVM given the probe in
            // JAVA_TOOL_OPTIONS still starts; it is told, and the recorder says so.
            try {
                FrameSink.open();
                FrameSink.hello(UNSUPPORTED + "java " + System.getProperty("java.version")
                        + ": JSSE before Java " + FIRST_SUPPORTED_JAVA + " is not instrumented");
            } catch (Throwable t) {
                // nothing to tell anyone with
            }
            return;
        }
        if (System.getProperty(LOADED_PROPERTY) != null) {
            // JAVA_TOOL_OPTIONS and -javaagent both, or a recorder attaching to a JVM that had the
            // probe from its start (before that recorder ran): once is enough, but say hello again
            FrameSink.hello(helloText(System.getProperty(LOADED_PROPERTY)));
            return;
        }
        try {
            Installer.install(inst, ownJar(), how, args == null ? "" : args);
        } catch (Throwable t) {
            // Never take the JVM down: the recorder names JVMs that did not say hello.
            System.err.println("recordtls: the JVM probe could not be installed, this JVM's TLS is not recorded: " + t);
        }
    }

    /** How a hello from a JVM the probe cannot record starts. */
    static final String UNSUPPORTED = "not recording: ";

    static int javaVersion() {
        String v = System.getProperty("java.specification.version", "0");
        try {
            return Integer.parseInt(v.startsWith("1.") ? v.substring(2) : v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** What the recorder shows of this JVM's probe: how it was loaded, and which JVM. */
    static String helloText(String how) {
        return "loaded by " + how + "; java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")";
    }

    private static File ownJar() throws URISyntaxException {
        return new File(JvmProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
