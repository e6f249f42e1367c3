package io.recordtls.recorder.http;

import java.net.InetSocketAddress;

/**
 * Who made a connection and between which addresses; what every exchange on it shares.
 * {@code container}: the id of the container the process ran in, or null.
 */
public record ConnectionInfo(long connId, int pid, String process, String container, String tlsLibrary,
                             InetSocketAddress local, InetSocketAddress remote, boolean clientSide) {
    /** The peer that served the exchanges: the remote end for a client, ourselves for a server. */
    public InetSocketAddress server() {
        return clientSide ? remote : local;
    }
}
