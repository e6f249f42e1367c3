package io.recordtls.recorder.agent;

import io.recordtls.recorder.bpf.LibC;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A listening Unix domain socket whose connections say who is on the other end: the kernel's
 * SO_PEERCRED (pid, uid, gid of the process that connected), which no client can forge. Java's
 * own SO_PEERCRED gives names, not the numbers and pid the agent acts on, hence the C calls.
 */
final class PeerSocket implements Closeable {
    private static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000, SOL_SOCKET = 1, SO_PEERCRED = 17, SHUT_RDWR = 2;
    private static final int EINTR = 4, SUN_PATH = 108;

    private static final MethodHandle SOCKET = LibC.errnoCall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = LibC.errnoCall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = LibC.errnoCall("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = LibC.errnoCall("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = LibC.errnoCall("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle READ = LibC.errnoCall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    /** send(2) with MSG_NOSIGNAL: a client that went away is an error here, never a SIGPIPE. */
    private static final MethodHandle SEND = LibC.errnoCall("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final MethodHandle SHUTDOWN = LibC.errnoCall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = LibC.errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    /** Who connected, as the kernel saw it when they called connect(2). */
    record Peer(long pid, int uid, int gid) {}

    private final int fd;
    private volatile boolean closed;

    private PeerSocket(int fd) {
        this.fd = fd;
    }

    /** Binds a new socket at {@code path} (which must not exist) and listens. */
    static PeerSocket listen(Path path) throws IOException {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH) {
            throw new IOException("socket path too long for a Unix domain socket: " + path);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = LibC.callState(arena);
            int fd = (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            check(fd, state, "socket");
            MemorySegment address = arena.allocate(2 + SUN_PATH);
            address.set(JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, address, JAVA_BYTE, 2, name.length);
            try {
                check((int) BIND.invokeExact(state, fd, address, 2 + name.length + 1), state, "bind " + path);
                check((int) LISTEN.invokeExact(state, fd, 16), state, "listen on " + path);
            } catch (IOException e) {
                int ignored = (int) CLOSE.invokeExact(state, fd);
                throw e;
            }
            return new PeerSocket(fd);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("listen on " + path, t);
        }
    }

    /** The next connection; an IOException once {@link #close()} was called. */
    Connection accept() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = LibC.callState(arena);
            while (true) {
                int client = (int) ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
                if (client >= 0) {
                    return new Connection(client, peer(client));
                }
                if (closed) {
                    throw new IOException("the agent's socket is closed");
                }
                if (LibC.errno(state) != EINTR) {
                    check(client, state, "accept");
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("accept", t);
        }
    }

    private static Peer peer(int client) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = LibC.callState(arena);
            MemorySegment ucred = arena.allocate(12);
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, 12);
            int rc = (int) GETSOCKOPT.invokeExact(state, client, SOL_SOCKET, SO_PEERCRED, ucred, length);
            if (rc != 0) {
                int ignored = (int) CLOSE.invokeExact(state, client);
                check(rc, state, "SO_PEERCRED");
            }
            return new Peer(ucred.get(JAVA_INT, 0), ucred.get(JAVA_INT, 4), ucred.get(JAVA_INT, 8));
        }
    }

    private static void check(int rc, MemorySegment state, String what) throws IOException {
        if (rc < 0) {
            throw new IOException(what + ": " + LibC.strerror(LibC.errno(state)));
        }
    }

    /** Unblocks {@link #accept()} (shutdown wakes a thread blocked in accept on Linux) and releases the socket. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = LibC.callState(arena);
            int ignored = (int) SHUTDOWN.invokeExact(state, fd, SHUT_RDWR);
            ignored = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close the agent's socket", t);
        }
    }

    /** One client: who it is, and its byte streams. */
    static final class Connection implements Closeable {
        private final int fd;
        private final Peer peer;
        private boolean closed;

        private Connection(int fd, Peer peer) {
            this.fd = fd;
            this.peer = peer;
        }

        Peer peer() {
            return peer;
        }

        InputStream in() {
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (len == 0) {
                        return 0;
                    }
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment state = LibC.callState(arena);
                        MemorySegment buf = arena.allocate(len);
                        while (true) {
                            long n = (long) READ.invokeExact(state, fd, buf, (long) len);
                            if (n > 0) {
                                MemorySegment.copy(buf, JAVA_BYTE, 0, b, off, (int) n);
                                return (int) n;
                            }
                            if (n == 0) {
                                return -1;
                            }
                            if (LibC.errno(state) != EINTR) {
                                throw new IOException("read from the client: " + LibC.strerror(LibC.errno(state)));
                            }
                        }
                    } catch (IOException e) {
                        throw e;
                    } catch (Throwable t) {
                        throw new IllegalStateException("read", t);
                    }
                }
            };
        }

        OutputStream out() {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment state = LibC.callState(arena);
                        MemorySegment buf = arena.allocate(Math.max(1, len));
                        MemorySegment.copy(b, off, buf, JAVA_BYTE, 0, len);
                        long done = 0;
                        while (done < len) {
                            long n = (long) SEND.invokeExact(state, fd, buf.asSlice(done), (long) len - done, MSG_NOSIGNAL);
                            if (n < 0 && LibC.errno(state) != EINTR) {
                                throw new IOException("write to the client: " + LibC.strerror(LibC.errno(state)));
                            }
                            done += Math.max(0, n);
                        }
                    } catch (IOException e) {
                        throw e;
                    } catch (Throwable t) {
                        throw new IllegalStateException("write", t);
                    }
                }
            };
        }

        /**
         * Wakes a thread blocked reading or writing this connection (shutdown, not close: the fd
         * stays this connection's until {@link #close()}, so no other file can take its number).
         */
        synchronized void hangUp() {
            if (closed) {
                return;
            }
            try (Arena arena = Arena.ofConfined()) {
                int ignored = (int) SHUTDOWN.invokeExact(LibC.callState(arena), fd, SHUT_RDWR);
            } catch (Throwable t) {
                throw new IllegalStateException("shut a client connection down", t);
            }
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try (Arena arena = Arena.ofConfined()) {
                int ignored = (int) CLOSE.invokeExact(LibC.callState(arena), fd);
            } catch (Throwable t) {
                throw new IllegalStateException("close a client connection", t);
            }
        }
    }
}
