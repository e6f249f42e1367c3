package io.recordtls.jvmprobe;

import javax.net.ssl.SSLEngine;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetAddress;
import javax.net.ssl.SSLSocket;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Where the advice woven into JSSE lands, after a call succeeded, with the byte count the call
 * reported. The advice runs inside java.base, which cannot name a class of ours without our jar
 * on the boot class path (which would cost every recorded JVM its class-data sharing and print
 * a warning); it finds {@link #dispatch} as a method handle among the system properties instead.
 */
public final class JsseTap {
    /** The system property holding the handle to {@link #dispatch}. */
    static final String KEY = "io.recordtls.jvmprobe.tap";
    static final int SOCKET_READ = 1, SOCKET_WRITE = 2, ENGINE_WRAP = 3, ENGINE_UNWRAP = 4, CLOSE = 5;

    /**
     * SSLSocketImpl and SSLEngineImpl use identity equality: a weak map of them is an identity map.
     * A connection not recorded (server side) maps to {@link JsseConnection#NONE}.
     */
    private static final Map<Object, JsseConnection> CONNECTIONS = Collections.synchronizedMap(new WeakHashMap<>());

    /** Server-side connections too ({@code servers=true} in the agent's arguments); by default clients only. */
    private static volatile boolean servers;

    private JsseTap() {}

    static void configure(String args) {
        for (String option : args.split(",")) {
            if (option.trim().equals("servers=true")) {
                servers = true;
            }
        }
    }

    static void publish() throws ReflectiveOperationException {
        MethodHandle h = MethodHandles.lookup().findStatic(JsseTap.class, "dispatch", MethodType.methodType(
                void.class, int.class, Object.class, long.class, Object.class, int.class, int.class, long[].class));
        System.getProperties().put(KEY, h);
    }

    /**
     * One JSSE call that moved {@code count} bytes: from {@code data[offset..]} for a socket, or
     * for an engine from the buffers {@code data[offset..]} starting where {@code at[1..]} says.
     */
    static void dispatch(int event, Object connection, long tsEnter, Object data, int offset, int count, long[] at) {
        switch (event) {
            case SOCKET_READ:
            case SOCKET_WRITE: {
                JsseConnection c = socket(connection);
                if (c != JsseConnection.NONE) {
                    FrameSink.data(c, event == SOCKET_WRITE, tsEnter, (byte[]) data, offset, count);
                }
                break;
            }
            case ENGINE_WRAP:
            case ENGINE_UNWRAP: {
                JsseConnection c = engine(connection);
                if (c != JsseConnection.NONE) {
                    FrameSink.data(c, event == ENGINE_WRAP, tsEnter, (ByteBuffer[]) data, offset, at, count);
                }
                break;
            }
            case CLOSE: {
                JsseConnection c = CONNECTIONS.remove(connection);
                if (c != null && c != JsseConnection.NONE) {
                    FrameSink.close(c);
                }
                break;
            }
            default:
                break;
        }
    }

    private static JsseConnection socket(Object o) {
        JsseConnection c = CONNECTIONS.get(o);
        if (c == null) {
            SSLSocket s = (SSLSocket) o;
            c = first(o, !servers && !s.getUseClientMode() ? JsseConnection.NONE
                    : JsseConnection.create(JsseConnection.KIND_SOCKET, s.getLocalAddress(), s.getLocalPort(), s.getInetAddress(), s.getPort()));
        }
        return c;
    }

    private static JsseConnection engine(Object o) {
        JsseConnection c = CONNECTIONS.get(o);
        if (c == null) {
            SSLEngine e = (SSLEngine) o;
            c = first(o, !servers && !e.getUseClientMode() ? JsseConnection.NONE
                    : JsseConnection.create(JsseConnection.KIND_ENGINE, null, 0, peer(e.getPeerHost()), e.getPeerPort()));
        }
        return c;
    }

    /**
     * Two threads meet a new connection at once (HttpClient wraps its preface on one while
     * another unwraps the server's SETTINGS): the first one's number is the connection's, or its
     * stream would be split over two.
     */
    private static JsseConnection first(Object key, JsseConnection fresh) {
        JsseConnection earlier = CONNECTIONS.putIfAbsent(key, fresh);
        return earlier != null ? earlier : fresh;
    }

    /**
     * The engine knows its peer by name. Never a lookup here (on an I/O thread, through a proxy
     * that resolves for the client, it could block every connection on that thread): an IP
     * literal, or loopback for "localhost"; otherwise no address, and the HAR names the server
     * from the request's Host or :authority.
     */
    private static InetAddress peer(String host) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return InetAddress.getLoopbackAddress();
        }
        if (!host.matches("[0-9.]+|\\[?[0-9A-Fa-f:.]+]?")) {
            return null;
        }
        try {
            return InetAddress.getByName(host); // a literal: parsed, not looked up
        } catch (Exception e) {
            return null;
        }
    }
}
