package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.demo.DemoHttpsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import io.recordtls.recorder.e2e.clients.LibraryClients;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.recordtls.recorder.e2e.Recording.responseBytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Java's own TLS (JSSE), which never calls OpenSSL: real JVMs (JDK 17 and the JDK running the
 * tests) started in scope, and a JVM already running, recorded through the JVM probe. The HAR
 * must hold the exact bytes, as for OpenSSL clients.
 */
class JvmEndToEndTest extends EndToEndTestBase {
    static final Path JDK17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
    static DemoHttpsServer server;
    static H2TestServer h2server;
    static String h2base;
    static Path client;

    @BeforeAll
    static void start() throws Exception {
        server = DemoHttpsServer.start();
        client = TestResources.copy(TestResources.JDK_TLS_CLIENT);
        h2server = H2TestServer.start(server);
        h2base = h2server.base;
    }

    @AfterAll
    static void stop() {
        if (h2server != null) {
            h2server.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The JDKs on this machine the tests run clients with: this one, and 17 where it is installed. */
    static Stream<String> jdks() {
        String current = ProcessHandle.current().info().command().orElseThrow();
        return Files.isExecutable(JDK17) ? Stream.of(current, JDK17.toString()) : Stream.of(current);
    }

    private Recording recordClient(String java, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java, client.toString()));
        cmd.addAll(List.of(args));
        return record(cmd.toArray(String[]::new));
    }

    private static void assertJsonBytesAndEcho(Recording rec, String base, String httpVersion) {
        List<JsonNode> entries = rec.entries();
        assertThat(entries).extracting(e -> e.at("/request/method").asText() + " " + e.at("/request/url").asText())
                .containsExactly("GET " + base + "/json", "GET " + base + "/bytes?n=1048576&seed=5", "POST " + base + "/echo");
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.at("/_tlsLibrary").asText()).isEqualTo("JSSE");
            assertThat(e.at("/request/httpVersion").asText()).isEqualTo(httpVersion);
            assertThat(e.at("/response/status").asInt()).isEqualTo(200);
            assertThat(e.at("/serverIPAddress").asText()).isEqualTo("127.0.0.1");
            assertThat(e.at("/_process").asText()).isEqualTo("java");
            assertThat(e.has("_incomplete")).isFalse();
        });
        assertThat(entries.get(0).at("/response/content/text").asText()).contains("\"items\":[1,2,3]");
        byte[] bytes = responseBytes(entries.get(1));
        byte[] want = base.equals(h2base) ? Http2EndToEndTest.bytes(1 << 20, 5) : DemoHttpsServer.bytes(1 << 20, 5);
        assertThat(bytes).as("1 MiB body, byte-exact").isEqualTo(want);
        byte[] upload = new byte[300_000];
        for (int i = 0; i < upload.length; i++) {
            upload[i] = (byte) (i % 251);
        }
        assertThat(Base64.getDecoder().decode(entries.get(2).at("/request/postData/text").asText()))
                .as("the uploaded body, byte-exact").isEqualTo(upload);
        assertThat(responseBytes(entries.get(2))).isEqualTo(upload);
        assertThat(rec.summary().lossless()).isTrue();
        assertThat(rec.log().path("jvmProbes").toString()).contains("loaded by premain");
        assertThat(rec.log().has("notes")).as("nothing unsaid: %s", rec.log().path("notes")).isFalse();
        assertThat(rec.log().has("tlsNotDecoded")).as("JSSE connections the probe decoded are not reported unseen").isFalse();
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void httpClientOverHttp1IsRecordedByteExact(String java) throws IOException {
        Recording rec = recordClient(java, "httpclient", "h1", server.caCertificate().toString(), server.baseUrl());
        assertJsonBytesAndEcho(rec, server.baseUrl(), "HTTP/1.1");
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void httpClientOverHttp2IsRecordedLikeCurl(String java) throws IOException {
        Recording rec = recordClient(java, "httpclient", "h2", server.caCertificate().toString(), h2base);
        assertJsonBytesAndEcho(rec, h2base, "HTTP/2");
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void httpsUrlConnectionOverSslSocketIsRecordedByteExact(String java) throws IOException {
        Recording rec = recordClient(java, "urlconnection", server.caCertificate().toString(), server.baseUrl());
        assertJsonBytesAndEcho(rec, server.baseUrl(), "HTTP/1.1");
    }

    /** HTTP libraries from Maven Central on JSSE: OkHttp and Apache classic on SSLSocket, Apache async and Netty on SSLEngine. */
    @ParameterizedTest
    @ValueSource(strings = {"okhttp", "apache-classic", "apache-async", "netty"})
    void javaHttpLibrariesOnJsseAreRecordedByteExact(String library) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Recording rec = record(java, "-cp", System.getProperty("java.class.path"), LibraryClients.class.getName(), library,
                server.caCertificate().toString(), server.baseUrl());
        List<JsonNode> entries = rec.entries();
        assertThat(entries).extracting(e -> e.at("/request/method").asText() + " " + e.at("/request/url").asText())
                .as(rec.text()).containsExactly("GET " + server.baseUrl() + "/json", "POST " + server.baseUrl() + "/echo");
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.at("/_tlsLibrary").asText()).isEqualTo("JSSE");
            assertThat(e.at("/response/status").asInt()).isEqualTo(200);
            assertThat(e.has("_incomplete")).isFalse();
        });
        assertThat(entries.get(0).at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
        assertThat(Base64.getDecoder().decode(entries.get(1).at("/request/postData/text").asText()))
                .isEqualTo(LibraryClients.upload());
        assertThat(responseBytes(entries.get(1))).isEqualTo(LibraryClients.upload());
        assertThat(rec.summary().lossless()).isTrue();
    }

    @Test
    void aRunningJvmGetsTheProbeByAttachAndEveryLaterRequestIsRecorded() throws Exception {
        String java = jdks().reduce((a, b) -> b).orElseThrow(); // JDK 17 where there is one: the oldest here
        Path stop = Files.createTempDirectory("recordtls-jvm-loop").resolve("stop");
        // it sends until told to stop: how long an attach takes under load is nothing a count can guess
        Process jvm = new ProcessBuilder(java, client.toString(), "loop", server.caCertificate().toString(),
                server.baseUrl() + "/json", "100000", "300", stop.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            String[] lastSent = {null};
            Recording rec = record(RecorderOptions.defaults(), r -> {
                r.addProcess(jvm.pid()); // returns once the probe is in
                try {
                    while (out.ready()) { // sent before the probe was in
                        out.readLine();
                    }
                    for (int i = 0; i < 5; i++) { // the first may have been in flight at the attach
                        lastSent[0] = out.readLine();
                        assertThat(lastSent[0]).startsWith("sent ");
                    }
                    Files.createFile(stop);
                    assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
                    for (String line; (line = out.readLine()) != null; ) { // one more, if the stop came during a pause
                        lastSent[0] = line;
                    }
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            List<JsonNode> entries = rec.entries();
            assertThat(entries).as("requests after the attach: %s", rec.text()).hasSizeGreaterThanOrEqualTo(4);
            assertThat(entries).allSatisfy(e -> {
                assertThat(e.at("/request/url").asText()).startsWith(server.baseUrl() + "/json?i=");
                assertThat(e.at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
            });
            assertThat(lastSent[0]).startsWith("sent ");
            assertThat(entries.getLast().at("/request/url").asText()).endsWith("?i=" + lastSent[0].substring(5));
            assertThat(rec.log().at("/jvmProbes/0/probe").asText()).startsWith("loaded by agentmain");
        } finally {
            jvm.destroyForcibly();
        }
    }

    /**
     * A JVM a recorded JVM starts (a service a test starts) has the probe from its first
     * instruction: the parent's probe puts it in the child's JAVA_TOOL_OPTIONS.
     */
    @Test
    void aJvmStartedByARecordedJvmIsRecordedFromItsFirstRequest() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process parent = new ProcessBuilder(java, "-Drecordtls.test.client=" + client, client.toString(), "spawn",
                server.caCertificate().toString(), server.baseUrl()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            Recording rec = record(RecorderOptions.defaults(), r -> {
                r.addProcess(parent.pid()); // the parent gets the probe by attach
                try {
                    parent.getOutputStream().write('\n');
                    parent.getOutputStream().flush();
                    assertThat(parent.waitFor(60, TimeUnit.SECONDS)).isTrue();
                    assertThat(parent.exitValue()).as("the child JVM's exit status").isZero();
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            assertJsonBytesAndEcho(rec, server.baseUrl(), "HTTP/1.1");
            assertThat(rec.log().path("jvmProbes").toString()).contains("loaded by agentmain"); // the parent's
        } finally {
            parent.destroyForcibly();
        }
    }

    @Test
    void aJvmThatForbidsAttachIsNamedWithTheReason() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process jvm = new ProcessBuilder(java, "-XX:+DisableAttachMechanism", client.toString(), "loop",
                server.caCertificate().toString(), server.baseUrl() + "/json", "3", "300").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            Recording rec = record(RecorderOptions.defaults(), r -> {
                r.addProcess(jvm.pid());
                try {
                    jvm.waitFor(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(rec.entries()).isEmpty();
            assertThat(rec.summary().describe()).contains("JVM pid " + jvm.pid()).contains("-XX:+DisableAttachMechanism")
                    .contains("-javaagent:");
            assertThat(rec.log().path("notes").toString()).contains("JVM pid " + jvm.pid());
        } finally {
            jvm.destroyForcibly();
        }
    }
}
