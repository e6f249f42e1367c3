package io.recordtls.jvmprobe;

import net.bytebuddy.asm.Advice;

import javax.net.ssl.SSLEngineResult;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;

/**
 * Woven into SSLEngineImpl's innermost wrap and unwrap (every public overload ends there): the
 * application bytes the result says were consumed or produced, taken from where the buffers
 * stood at entry. JDK types only, as in {@link SocketAdvice}.
 */
final class EngineAdvice {
    private EngineAdvice() {}

    /** {@code wrap(ByteBuffer[] srcs, int, int, ByteBuffer[] dsts, int, int)}. */
    static final class Wrap {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long[] enter(@Advice.Argument(0) ByteBuffer[] srcs, @Advice.Argument(1) int offset, @Advice.Argument(2) int length) {
            long[] at = new long[length + 1]; // the time, then where each buffer stood
            at[0] = System.nanoTime();
            for (int i = 0; i < length; i++) {
                at[i + 1] = srcs[offset + i].position();
            }
            return at;
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Enter long[] at, @Advice.This Object engine, @Advice.Argument(0) ByteBuffer[] srcs,
                         @Advice.Argument(1) int offset, @Advice.Return SSLEngineResult result) throws Throwable {
            if (at != null && result != null && result.bytesConsumed() > 0
                    && System.getProperties().get(JsseTap.KEY) instanceof MethodHandle) {
                ((MethodHandle) System.getProperties().get(JsseTap.KEY))
                        .invokeExact(JsseTap.ENGINE_WRAP, engine, at[0], (Object) srcs, offset, result.bytesConsumed(), at);
            }
        }
    }

    /** {@code unwrap(ByteBuffer[] srcs, int, int, ByteBuffer[] dsts, int, int)}. */
    static final class Unwrap {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long[] enter(@Advice.Argument(3) ByteBuffer[] dsts, @Advice.Argument(4) int offset, @Advice.Argument(5) int length) {
            long[] at = new long[length + 1];
            at[0] = System.nanoTime();
            for (int i = 0; i < length; i++) {
                at[i + 1] = dsts[offset + i].position();
            }
            return at;
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Enter long[] at, @Advice.This Object engine, @Advice.Argument(3) ByteBuffer[] dsts,
                         @Advice.Argument(4) int offset, @Advice.Return SSLEngineResult result) throws Throwable {
            if (at != null && result != null && result.bytesProduced() > 0
                    && System.getProperties().get(JsseTap.KEY) instanceof MethodHandle) {
                ((MethodHandle) System.getProperties().get(JsseTap.KEY))
                        .invokeExact(JsseTap.ENGINE_UNWRAP, engine, at[0], (Object) dsts, offset, result.bytesProduced(), at);
            }
        }
    }

    /**
     * {@code closeInbound()}: no more plaintext can come in. Not closeOutbound: after a half
     * close the peer's response still arrives, and would start a connection of its own.
     */
    static final class Close {
        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.This Object engine) throws Throwable {
            if (System.getProperties().get(JsseTap.KEY) instanceof MethodHandle) {
                ((MethodHandle) System.getProperties().get(JsseTap.KEY))
                        .invokeExact(JsseTap.CLOSE, engine, System.nanoTime(), (Object) null, 0, 0, (long[]) null);
            }
        }
    }
}
