package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Never silent: a process in scope that makes TLS connections no probe decodes is named, with the
 * remote endpoint, how many connections and why, in the summary and in the HAR's log. The stack
 * here stays unsupported whatever other stacks get probes: a JVM that refuses the JVM probe
 * (attach disabled, no -javaagent) doing its HTTPS with JSSE.
 */
class NotDecodedEndToEndTest extends DemoServerTestBase {
    static Path client;

    @BeforeAll
    static void copyClient() throws IOException {
        client = TestResources.copy(TestResources.JDK_TLS_CLIENT);
    }

    @Test
    void aJvmThatRefusesTheProbeIsNamedWithItsRemotePortConnectionCountAndWhy() throws IOException {
        String java = Files.isExecutable(JvmEndToEndTest.JDK17) ? JvmEndToEndTest.JDK17.toString()
                : ProcessHandle.current().info().command().orElseThrow();
        int port = URI.create(base).getPort();
        // env -u: the probe the recorder offers in JAVA_TOOL_OPTIONS is refused; no keep-alive:
        // one TLS connection for each of the client's three requests
        Recording rec = record("env", "-u", "JAVA_TOOL_OPTIONS", java, "-XX:+DisableAttachMechanism", "-Dhttp.keepAlive=false",
                client.toString(), "urlconnection", ca, base);

        assertThat(rec.entries()).isEmpty();
        String summary = rec.summary().describe();
        assertThat(summary).containsPattern("pid \\d+ \\(java\\) made 3 TLS connections to [^ ]+:" + port
                + " that no probe decoded, so they are not in the HAR: a JVM whose JSSE the JVM probe does not record:"
                + " the JVM was started with -XX:\\+DisableAttachMechanism");
        assertThat(summary).contains("not seen: 3 TLS connections no probe decoded");
        assertThat(summary).as("the process that ran is counted").contains("from 1 process");

        JsonNode notDecoded = rec.log().path("tlsNotDecoded");
        assertThat(notDecoded).hasSize(1);
        JsonNode n = notDecoded.get(0);
        assertThat(n.path("pid").asLong()).isPositive();
        assertThat(n.path("process").asText()).isEqualTo("java");
        assertThat(n.path("role").asText()).isEqualTo("client");
        assertThat(n.path("remote").asText()).endsWith(":" + port);
        assertThat(n.path("connections").asInt()).isEqualTo(3);
        assertThat(n.path("reason").asText()).contains("DisableAttachMechanism");
    }

    /**
     * A curl whose handshake fails its certificate check sends no data: nothing to record, and the
     * summary says why, naming the library it loaded, also when curl is gone before its mappings
     * could be read (it ends right after the handshake).
     */
    @Test
    void aHandshakeThatFailedItsCertificateCheckIsNamedAsSuch() throws IOException {
        int port = URI.create(base).getPort();
        for (int i = 0; i < 3; i++) { // curl's exit races the reading of its mappings: each way must say the same
            Recording rec = record("sh", "-c", "curl -s --cacert /etc/ssl/certs/ca-certificates.crt " + base + "/json; true");
            assertThat(rec.entries()).isEmpty();
            assertThat(rec.summary().describe()).containsPattern("pid \\d+ \\(curl\\) made 1 TLS connection to [^ ]+:" + port
                    + " that no probe decoded, so they are not in the HAR: it maps [^:]*libssl\\.so\\.3, which is probed,"
                    + " but no read or write of these connections went through a probed function \\(a handshake without data,"
                    + " such as one that failed its certificate check");
        }
    }
}
