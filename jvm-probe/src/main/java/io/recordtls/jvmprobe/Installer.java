package io.recordtls.jvmprobe;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

import java.io.File;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.ByteBuffer;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.none;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Weaves the advice into JSSE's application-data path. Retransformation only: no field or
 * method is added, so classes already loaded (an attach into a running JVM) are covered like
 * classes loaded later.
 */
final class Installer {
    static final String SOCKET = "sun.security.ssl.SSLSocketImpl";
    static final String ENGINE = "sun.security.ssl.SSLEngineImpl";

    private Installer() {}

    static void install(Instrumentation inst, File jar, String how, String args) throws IOException, ReflectiveOperationException {
        // No sun.misc.Unsafe in the user's JVM (JDK 24+ warns of every use): Byte Buddy's
        // class injection is not needed for inlined advice. (The name is relocated with Byte Buddy.)
        System.setProperty("net.bytebuddy.safe", "true");
        JsseTap.configure(args);
        FrameSink.open();
        JsseTap.publish();

        ClassFileLocator ours = ClassFileLocator.ForJarFile.of(jar); // the advice's byte code
        new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
                .with(new AgentBuilder.Listener.Adapter() {
                    @Override
                    public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable t) {
                        System.err.println("recordtls: the JVM probe could not instrument " + typeName + ": " + t);
                    }
                })
                .ignore(none())
                .type(named(SOCKET + "$AppInputStream"))
                .transform(advice(ours, SocketAdvice.Read.class, named("read").and(takesArguments(byte[].class, int.class, int.class))))
                .type(named(SOCKET + "$AppOutputStream"))
                .transform(advice(ours, SocketAdvice.Write.class, named("write").and(takesArguments(byte[].class, int.class, int.class))))
                .type(named(SOCKET))
                .transform(advice(ours, SocketAdvice.Close.class, named("close").and(takesArguments(0))))
                .type(named(ENGINE))
                .transform(advice(ours, EngineAdvice.Wrap.class, named("wrap").and(isPublic()).and(takesArguments(6))
                        .and(takesArgument(0, ByteBuffer[].class)).and(takesArgument(3, ByteBuffer[].class))))
                .transform(advice(ours, EngineAdvice.Unwrap.class, named("unwrap").and(isPublic()).and(takesArguments(6))
                        .and(takesArgument(0, ByteBuffer[].class)).and(takesArgument(3, ByteBuffer[].class))))
                .transform(advice(ours, EngineAdvice.Close.class, named("closeOutbound").and(takesArguments(0))))
                .installOn(inst);

        System.setProperty(JvmProbe.LOADED_PROPERTY, how);
        FrameSink.hello(JvmProbe.helloText(how));
    }

    private static AgentBuilder.Transformer advice(ClassFileLocator locator, Class<?> advice,
                                                   ElementMatcher<? super MethodDescription> where) {
        return new AgentBuilder.Transformer.ForAdvice()
                .include(locator)
                .advice(where, advice.getName());
    }
}
