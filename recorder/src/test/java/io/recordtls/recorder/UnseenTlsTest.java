package io.recordtls.recorder;

import io.recordtls.recorder.capture.CaptureEvent;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which handshakes are left once the decoded connections are matched to them, and how they are grouped. */
class UnseenTlsTest {
    private final UnseenTls unseen = new UnseenTls();
    private long connIds = 100;

    private static InetSocketAddress at(String ip, int port) {
        return new InetSocketAddress(ip, port);
    }

    private void hello(int pid, int localPort, String remoteIp, int remotePort, boolean client) {
        unseen.hello(new CaptureEvent.TlsHello(pid, 0, 5, client, at("127.0.0.1", localPort), at(remoteIp, remotePort)),
                p -> "proc" + p, p -> List.of("libfoo.so"));
    }

    private List<UnseenTls.NotDecoded> report() {
        return unseen.report((pid, mapped) -> "because " + mapped);
    }

    @Test
    void aHandshakeWhoseConnectionWasDecodedIsNotReportedOthersAreByRemoteWithTheirCount() {
        hello(7, 40001, "127.0.0.1", 8443, true);
        hello(7, 40002, "127.0.0.1", 8443, true);
        hello(7, 40003, "127.0.0.1", 8443, true);
        hello(7, 40004, "10.1.2.3", 443, true);
        unseen.decoded(7, connIds++, at("127.0.0.1", 40002), at("127.0.0.1", 8443));

        assertThat(report()).containsExactly(
                new UnseenTls.NotDecoded(7, "proc7", "127.0.0.1:8443", true, 0, 2, "because [libfoo.so]"),
                new UnseenTls.NotDecoded(7, "proc7", "10.1.2.3:443", true, 0, 1, "because [libfoo.so]"));
        assertThat(unseen.connections()).isEqualTo(3);
        assertThat(report().getFirst().describe()).isEqualTo("pid 7 (proc7) made 2 TLS connections to 127.0.0.1:8443"
                + " that no probe decoded, so they are not in the HAR: because [libfoo.so]");
    }

    @Test
    void aConnectionDecodedBeforeItsHandshakeIsReadStillMatches() {
        unseen.decoded(7, connIds++, at("127.0.0.1", 40001), at("127.0.0.1", 8443));
        hello(7, 40001, "127.0.0.1", 8443, true);
        assertThat(report()).isEmpty();
        assertThat(unseen.named(7)).isFalse();
    }

    @Test
    void decodedConnectionsWithoutAddressesAccountForAsManyHandshakes() {
        // node: its OpenSSL reads memory BIOs, the probe never learns the socket
        hello(9, 40001, "127.0.0.1", 8443, true);
        hello(9, 40002, "127.0.0.1", 8443, true);
        unseen.decoded(9, connIds++, null, null);
        unseen.decoded(9, connIds++, null, null);
        assertThat(report()).isEmpty();

        hello(9, 40003, "127.0.0.1", 8443, true);
        assertThat(report()).extracting(UnseenTls.NotDecoded::connections).containsExactly(1);
    }

    @Test
    void aConnectionKnownOnlyByItsPeerMatchesAHandshakeToThatPeer() {
        // the JVM probe's SSLEngine connections (Java's HttpClient): the peer's address, no local port
        hello(9, 40001, "127.0.0.1", 8443, true);
        hello(9, 40002, "127.0.0.1", 9443, true);
        unseen.decoded(9, connIds++, at("0.0.0.0", 0), at("127.0.0.1", 9443));
        assertThat(report()).extracting(UnseenTls.NotDecoded::remote).containsExactly("127.0.0.1:8443");
    }

    @Test
    void anAddressLearnedLaterTurnsAnAddresslessConnectionIntoAMatch() {
        hello(9, 40001, "127.0.0.1", 8443, true);
        hello(9, 40002, "127.0.0.1", 8443, true);
        long id = connIds++;
        unseen.decoded(9, id, null, null);
        unseen.decoded(9, id, at("127.0.0.1", 40001), at("127.0.0.1", 8443));
        assertThat(report()).singleElement().satisfies(n -> assertThat(n.connections()).isEqualTo(1));
    }

    @Test
    void aServersUndecodedConnectionsAreGroupedByItsPortAndThePeerAddress() {
        hello(11, 8443, "127.0.0.1", 50001, false);
        hello(11, 8443, "127.0.0.1", 50002, false);
        UnseenTls.NotDecoded n = report().getFirst();
        assertThat(n.connections()).isEqualTo(2);
        assertThat(n.describe()).startsWith("pid 11 (proc11) accepted 2 TLS connections on port 8443 from 127.0.0.1 that no probe decoded");
        assertThat(n.toHar(false)).doesNotContainKey("pid").containsEntry("role", "server").containsEntry("localPort", 8443);
    }

    @Test
    void aServerSocketWhoseClientWasDecodedIsThatConnectionNotAMiss() {
        // the test JVM's own upstream (JSSE's server side is not probed) answering a recorded Go client
        hello(20, 8443, "127.0.0.1", 40001, false);
        hello(30, 40001, "127.0.0.1", 8443, true);
        unseen.decoded(30, connIds++, at("127.0.0.1", 40001), at("127.0.0.1", 8443));
        // and one answering an in-process SSLEngine client, known by its peer alone
        hello(20, 40002, "127.0.0.1", 8443, true);
        hello(20, 8443, "127.0.0.1", 40002, false);
        unseen.decoded(20, connIds++, at("0.0.0.0", 0), at("127.0.0.1", 8443));
        // a third connection to the same server whose client was not decoded stays named
        hello(20, 8443, "127.0.0.1", 40003, false);
        assertThat(report()).containsExactly(new UnseenTls.NotDecoded(20, "proc20", "127.0.0.1", false, 8443, 1, "because [libfoo.so]"));
    }
}
