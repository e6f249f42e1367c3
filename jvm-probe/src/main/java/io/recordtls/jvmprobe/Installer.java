package io.recordtls.jvmprobe;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Sets the probe up and registers a transformer that weaves the advice into the few JDK
 * classes it instruments. The transformer looks at class names only; Byte Buddy ({@link Weaver})
 * is loaded when one of those classes loads, so a JVM that never uses TLS or starts a process
 * (most of a build's JVMs) pays almost nothing for the probe. Classes already loaded (an attach
 * into a running JVM) are retransformed; no field or method is ever added.
 */
final class Installer {
    static final String SOCKET = "sun/security/ssl/SSLSocketImpl";
    static final String ENGINE = "sun/security/ssl/SSLEngineImpl";
    /**
     * The classes instrumented, as the JVM names them to a transformer ({@link Weaver} has what
     * is woven into each). Here, not in Weaver: the transformer must not load a class to decide.
     */
    static final Set<String> TARGETS = Collections.unmodifiableSet(new HashSet<>(Arrays.asList(
            SOCKET + "$AppInputStream", SOCKET + "$AppOutputStream", SOCKET, ENGINE, "java/lang/ProcessBuilder")));

    private Installer() {}

    static void install(Instrumentation inst, File jar, String how, String args) throws IOException, ReflectiveOperationException {
        // No sun.misc.Unsafe in the user's JVM (JDK 24+ warns of every use): Byte Buddy's class
        // injection is not needed for inlined advice. (The name is relocated with Byte Buddy.)
        System.setProperty("net.bytebuddy.safe", "true");
        JsseTap.configure(args);
        System.setProperty(JvmProbe.JAR_PROPERTY, jar.getAbsolutePath());
        FrameSink.open();
        JsseTap.publish();

        inst.addTransformer(new NameFilter(adviceClasses(jar)), true);
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (TARGETS.contains(c.getName().replace('.', '/'))) {
                loaded.add(c);
            }
        }
        if (!loaded.isEmpty()) {
            try {
                inst.retransformClasses(loaded.toArray(new Class<?>[0]));
            } catch (UnmodifiableClassException e) {
                System.err.println("recordtls: the JVM probe could not instrument " + loaded + ": " + e);
            }
        }

        System.setProperty(JvmProbe.LOADED_PROPERTY, how);
        FrameSink.hello(JvmProbe.helloText(how));
    }

    /**
     * The advice classes' bytes, read now: the weaver may first be needed long after, when the jar
     * may be gone (a rebuild, a copy removed), and a JVM must not lose its probe for that.
     */
    private static Map<String, byte[]> adviceClasses(File jar) throws IOException {
        Map<String, byte[]> bytes = new HashMap<>();
        try (JarFile j = new JarFile(jar)) {
            for (java.util.Enumeration<JarEntry> e = j.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                String name = entry.getName();
                if (name.startsWith("io/recordtls/jvmprobe/") && name.contains("Advice") && name.endsWith(".class")) {
                    try (InputStream in = j.getInputStream(entry)) {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        byte[] buf = new byte[8192];
                        for (int n; (n = in.read(buf)) > 0; ) {
                            out.write(buf, 0, n);
                        }
                        bytes.put(name.substring(0, name.length() - 6).replace('/', '.'), out.toByteArray());
                    }
                }
            }
        }
        return bytes;
    }

    /** Passes the instrumented classes to the weaver, by name; every other class untouched. */
    private static final class NameFilter implements ClassFileTransformer {
        private final Map<String, byte[]> advice;
        private Weaver weaver;

        NameFilter(Map<String, byte[]> advice) {
            this.advice = advice;
        }

        @Override
        public byte[] transform(ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
            if (name == null || !TARGETS.contains(name)) {
                return null;
            }
            try {
                return weaver().weave(loader, name.replace('/', '.'), bytes);
            } catch (Throwable t) {
                System.err.println("recordtls: the JVM probe could not instrument " + name + ": " + t);
                return null;
            }
        }

        private synchronized Weaver weaver() {
            if (weaver == null) {
                weaver = new Weaver(advice);
            }
            return weaver;
        }
    }
}
