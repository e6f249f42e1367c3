package io.recordtls.jvmprobe;

import net.bytebuddy.asm.Advice;

import java.lang.invoke.MethodHandle;

/**
 * Woven into SSLSocketImpl's application streams: their plaintext, after each successful call.
 * Advice code is copied into java.base classes, so it names JDK types only and reaches
 * {@link JsseTap} through the handle it published ({@link JsseTap#KEY}).
 */
final class SocketAdvice {
    private SocketAdvice() {}

    /** {@code SSLSocketImpl$AppInputStream.read(byte[], int, int)}: the bytes the application got. */
    static final class Read {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return System.nanoTime();
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Enter long tsEnter, @Advice.FieldValue("this$0") Object socket,
                         @Advice.Argument(0) byte[] b, @Advice.Argument(1) int off, @Advice.Return int n) throws Throwable {
            if (n > 0 && System.getProperties().get(JsseTap.KEY) instanceof MethodHandle) {
                ((MethodHandle) System.getProperties().get(JsseTap.KEY))
                        .invokeExact(JsseTap.SOCKET_READ, socket, tsEnter, (Object) b, off, n, (long[]) null);
            }
        }
    }

    /** {@code SSLSocketImpl$AppOutputStream.write(byte[], int, int)}: all of it was sent when it returns. */
    static final class Write {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return System.nanoTime();
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Enter long tsEnter, @Advice.FieldValue("this$0") Object socket,
                         @Advice.Argument(0) byte[] b, @Advice.Argument(1) int off, @Advice.Argument(2) int len) throws Throwable {
            if (len > 0 && System.getProperties().get(JsseTap.KEY) instanceof MethodHandle) {
                ((MethodHandle) System.getProperties().get(JsseTap.KEY))
                        .invokeExact(JsseTap.SOCKET_WRITE, socket, tsEnter, (Object) b, off, len, (long[]) null);
            }
        }
    }

    /** {@code SSLSocketImpl.close()}: the connection's streams end here. */
    static final class Close {
        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.This Object socket) throws Throwable {
            if (System.getProperties().get(JsseTap.KEY) instanceof MethodHandle) {
                ((MethodHandle) System.getProperties().get(JsseTap.KEY))
                        .invokeExact(JsseTap.CLOSE, socket, System.nanoTime(), (Object) null, 0, 0, (long[]) null);
            }
        }
    }
}
