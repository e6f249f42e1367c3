package io.recordtls.jvmprobe;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.MethodGraph;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Byte Buddy's part: the advice inlined into the methods of each instrumented class, on the
 * class file as it is being loaded or retransformed. Decorating only (no member added), and the
 * class itself is read from the bytes given, never loaded.
 */
final class Weaver {
    private static final String SOCKET = Installer.SOCKET;
    private static final String ENGINE = Installer.ENGINE;

    private static final class Weave {
        final Class<?> advice;
        final ElementMatcher<? super MethodDescription> where;

        Weave(Class<?> advice, ElementMatcher<? super MethodDescription> where) {
            this.advice = advice;
            this.where = where;
        }
    }

    private static final Map<String, List<Weave>> WEAVES = new HashMap<>();

    static {
        WEAVES.put(SOCKET + "$AppInputStream", Collections.singletonList(new Weave(SocketAdvice.Read.class,
                named("read").and(takesArguments(byte[].class, int.class, int.class)))));
        WEAVES.put(SOCKET + "$AppOutputStream", Collections.singletonList(new Weave(SocketAdvice.Write.class,
                named("write").and(takesArguments(byte[].class, int.class, int.class)))));
        WEAVES.put(SOCKET, Collections.singletonList(new Weave(SocketAdvice.Close.class, named("close").and(takesArguments(0)))));
        WEAVES.put(ENGINE, Arrays.asList(
                new Weave(EngineAdvice.Wrap.class, named("wrap").and(isPublic()).and(takesArguments(6))
                        .and(takesArgument(0, ByteBuffer[].class)).and(takesArgument(3, ByteBuffer[].class))),
                new Weave(EngineAdvice.Unwrap.class, named("unwrap").and(isPublic()).and(takesArguments(6))
                        .and(takesArgument(0, ByteBuffer[].class)).and(takesArgument(3, ByteBuffer[].class))),
                new Weave(EngineAdvice.Close.class, named("closeInbound").and(takesArguments(0)))));
        WEAVES.put("java/lang/ProcessBuilder", Collections.singletonList(new Weave(ProcessAdvice.Start.class, named("start"))));
    }

    private final ClassFileLocator ours;
    private final ByteBuddy byteBuddy = new ByteBuddy()
            .with(TypeValidation.DISABLED)
            .with(Implementation.Context.Disabled.Factory.INSTANCE)
            .with(MethodGraph.Compiler.ForDeclaredMethods.INSTANCE);

    /** {@code advice}: the advice classes' byte code, by binary name. */
    Weaver(Map<String, byte[]> advice) {
        this.ours = new ClassFileLocator.Simple(advice);
    }

    synchronized byte[] weave(ClassLoader loader, String name, byte[] bytes) {
        ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(name, bytes),
                loader == null ? ClassFileLocator.ForClassLoader.ofBootLoader() : ClassFileLocator.ForClassLoader.of(loader),
                ClassFileLocator.ForClassLoader.ofBootLoader(), ours);
        TypePool pool = TypePool.Default.of(locator);
        TypeDescription type = pool.describe(name).resolve();
        DynamicType.Builder<?> builder = byteBuddy.decorate(type, locator);
        for (Weave w : WEAVES.get(name.replace('.', '/'))) {
            builder = builder.visit(Advice.to(pool.describe(w.advice.getName()).resolve(), locator).on(w.where));
        }
        return builder.make().getBytes();
    }
}
