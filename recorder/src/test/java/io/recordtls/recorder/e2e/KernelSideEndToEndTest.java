package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.demo.DemoHttpsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** What the kernel side must get right however the probed program behaves inside its SSL calls. */
class KernelSideEndToEndTest extends EndToEndTestBase {
    static DemoHttpsServer server;

    @BeforeAll
    static void startServer() throws IOException {
        server = DemoHttpsServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void aConsoleWriteInsideAnSslCallDoesNotMoveTheConnection() throws IOException {
        // OpenSSL's message callback runs inside SSL_read/SSL_write: here it writes to stderr,
        // after the socket read of each SSL_read. Only a socket may become the connection's fd.
        String ca = server.caCertificate().toString();
        Recording rec = record(RecorderOptions.defaults(), r -> run(r, "python3", "-c", String.join("\n",
                "import ssl, sys, http.client",
                "ctx = ssl.create_default_context(cafile='" + ca + "')",
                "ctx._msg_callback = lambda *a: print('tls message', file=sys.stderr, flush=True)",
                "c = http.client.HTTPSConnection('localhost', " + server.port() + ", context=ctx)",
                "for i in range(2):",
                "    c.request('GET', '/json?i=%d' % i)",
                "    assert c.getresponse().read().decode() == '" + DemoHttpsServer.JSON + "'")));
        assertThat(rec.entries()).hasSize(2).allSatisfy(e -> {
            assertThat(e.at("/_incomplete").asBoolean()).as("%s", e).isFalse();
            assertThat(e.at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
        });
        assertThat(rec.entries()).extracting(e -> e.at("/connection").asText()).as("one connection").containsOnly(rec.entries().getFirst().at("/connection").asText());
        JsonNode capture = rec.log().at("/capture");
        assertThat(capture.path("missedReturns").asLong()).isZero();
        assertThat(capture.path("untrackedCalls").asLong()).isZero();
    }
}
