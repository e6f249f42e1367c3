package io.recordtls.jvmprobe;

import net.bytebuddy.asm.Advice;

/**
 * Woven into {@code ProcessBuilder.start}: a process this JVM starts gets the probe in its
 * JAVA_TOOL_OPTIONS, so a JVM among them (a service a test starts) records from its first
 * instruction, as one started by the recorder does. Others ignore the variable. Only while the
 * jar is there: a JVM told to load a jar that is gone would not start. JDK types only (see
 * {@link SocketAdvice}).
 */
final class ProcessAdvice {
    private ProcessAdvice() {}

    static final class Start {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This ProcessBuilder builder) {
            String jar = System.getProperty(JvmProbe.JAR_PROPERTY);
            java.util.Map<String, String> env = builder.environment();
            // RECORDTLS_JVM_PROBE=off in the child's environment: not for this one (the recorder)
            if (jar != null && !"off".equals(env.get("RECORDTLS_JVM_PROBE")) && new java.io.File(jar).isFile()) {
                String options = env.get("JAVA_TOOL_OPTIONS");
                String agent = "-javaagent:" + jar;
                if (options == null || options.trim().isEmpty()) {
                    env.put("JAVA_TOOL_OPTIONS", agent);
                } else if (!options.contains(agent)) {
                    env.put("JAVA_TOOL_OPTIONS", options + " " + agent);
                }
            }
        }
    }
}
