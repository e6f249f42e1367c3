package io.recordtls.junit;

import io.recordtls.recorder.demo.DemoHttpsServer;
import io.recordtls.recorder.e2e.BpfRequirement;
import io.recordtls.recorder.e2e.ContainerRequirement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.MountableFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Testcontainers containers as targets, beyond the samples: misuse is explained, and a container
 * the test starts itself is recorded through {@link TlsRecording#addContainer}. Needs Docker and
 * the test image: {@link ContainerRequirement}.
 */
class ContainerTargetsTest {
    static final Path DIR = Path.of("target/container-targets-test");
    /** For the user classes below, which run only after a check has called {@link ContainerRequirement#image()}. */
    static final String IMAGE = System.getenv(ContainerRequirement.IMAGE_VARIABLE);
    static DemoHttpsServer upstream;

    @BeforeAll
    static void startUpstream() throws Exception {
        upstream = DemoHttpsServer.start();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    static Events run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute().allEvents();
    }

    static List<String> failures(Events events) {
        return events.failed().stream().map(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(r -> r.getThrowable()).map(Throwable::getMessage).orElse("?")).toList();
    }

    /** A recording of one GET answered 200 with a text body, for the class and test named. */
    static void recording(String testClass, String test, String url, String body) throws Exception {
        Path har = DIR.resolve(testClass).resolve(test + ".har");
        Files.createDirectories(har.getParent());
        Files.writeString(har, "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"t\",\"version\":\"1\"},\"entries\":["
                + (url == null ? "" : "{\"request\":{\"method\":\"GET\",\"url\":\"" + url + "\",\"headers\":[]},"
                + "\"response\":{\"status\":200,\"headers\":[{\"name\":\"Content-Type\",\"value\":\"text/plain\"}],"
                + "\"content\":{\"mimeType\":\"text/plain\",\"text\":\"" + body + "\"}}}") + "]}}");
    }

    // --- the user's test classes -------------------------------------------------------------

    @Testcontainers
    @RecordTls(mode = RecordTlsMode.REPLAY, directory = "target/container-targets-test")
    static class TestcontainersDeclaredFirst {
        @Container
        static GenericContainer<?> service = new GenericContainer<>(IMAGE)
                .withNetworkMode("host").withCommand("sleep", "60");

        @Test
        void usesTheService() {}
    }

    @RecordTls(mode = RecordTlsMode.RECORD, directory = "target/container-targets-test")
    static class StartsItsOwnContainer {
        @Test
        void asksTheApiFromAContainer(TlsRecording tls) throws Exception {
            // started by the test, not a @Container field: it waits for a file before calling the API
            try (GenericContainer<?> c = new GenericContainer<>(IMAGE)
                    .withNetworkMode("host")
                    .withCopyFileToContainer(MountableFile.forHostPath(upstream.caCertificate()), "/ca.pem")
                    .withEnv("SSL_CERT_FILE", "/ca.pem")
                    .withCommand("sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; exec python3 -c \""
                            + "import urllib.request; print(urllib.request.urlopen('" + upstream.baseUrl() + "/json').read())\"; sleep 60")) {
                c.start();
                tls.addContainer(c.getContainerId());
                c.execInContainer("touch", "/tmp/go");
                for (int i = 0; i < 100 && tls.exchanges().isEmpty(); i++) {
                    Thread.sleep(100);
                }
            }
            assertThat(tls.exchanges()).singleElement().satisfies(x -> {
                assertThat(x.url().getPath()).isEqualTo("/json");
                assertThat(new String(x.responseBody())).isEqualTo(DemoHttpsServer.JSON);
            });
        }
    }

    @RecordTls(mode = RecordTlsMode.REPLAY, directory = "target/container-targets-test")
    @Testcontainers
    static class ReplaysToAContainerOnItsOwnNetwork {
        static final Network network = Network.newNetwork();

        @Container
        static GenericContainer<?> client = new GenericContainer<>(IMAGE)
                .withNetwork(network).withCommand("sleep", "120");

        @Test
        void asksTheApi(TlsRecording tls) throws Exception {
            var r = client.execInContainer("python3", "-c",
                    "import urllib.request; print(urllib.request.urlopen('https://api.bridge.test:18449/ping').read().decode())");
            assertThat(r.getExitCode()).as(r.getStderr()).isZero();
            assertThat(r.getStdout()).isEqualTo("pong\n");
            assertThat(tls.exchanges()).singleElement().satisfies(x -> assertThat(x.url().toString()).isEqualTo("https://api.bridge.test:18449/ping"));
        }
    }

    @RecordTls(mode = RecordTlsMode.REPLAY, directory = "target/container-targets-test")
    @Testcontainers
    static class AsksForSomethingNotRecordedAtStart {
        @Container
        static GenericContainer<?> service = new GenericContainer<>(IMAGE)
                .withNetworkMode("host")
                .withCommand("sh", "-c", "python3 -c \"import urllib.request; urllib.request.urlopen('https://api.start.test:18450/config')\";"
                        + " echo started; exec sleep 60")
                .waitingFor(Wait.forLogMessage(".*started.*", 1));

        @Test
        void anything() {}
    }

    @RecordTls(directory = "target/container-targets-test")
    @Testcontainers
    static class HasItsTestsInNestedClasses {
        @Container
        static GenericContainer<?> client = new GenericContainer<>(IMAGE)
                .withNetworkMode("host").withCommand("sleep", "120");

        @Nested
        class WhenAsked {
            @Test
            void answers(TlsRecording tls) throws Exception {
                assertThat(tls.isReplaying()).isTrue();
                var r = client.execInContainer("python3", "-c",
                        "import urllib.request; print(urllib.request.urlopen('https://api.nested.test:18451/ping').read().decode())");
                assertThat(r.getExitCode()).as(r.getStderr()).isZero();
                assertThat(r.getStdout()).isEqualTo("pong\n");
            }
        }
    }

    // --- the checks --------------------------------------------------------------------------

    @Test
    void aContainerStartedBeforeRecordTlsIsExplained() throws Exception {
        ContainerRequirement.image();
        recording("TestcontainersDeclaredFirst", "usesTheService", null, null);

        assertThat(failures(run(TestcontainersDeclaredFirst.class))).first().asString()
                .contains("was started before @RecordTls could prepare it").contains("Put @RecordTls before @Testcontainers");
    }

    /** Not the host network: a host entry to the network's gateway, the replay on every interface. */
    @Test
    void aContainerOnItsOwnNetworkReachesTheReplayUnderTheRecordedName() throws Exception {
        ContainerRequirement.image();
        recording("ReplaysToAContainerOnItsOwnNetwork", "asksTheApi", "https://api.bridge.test:18449/ping", "pong");
        try {
            Events events = run(ReplaysToAContainerOnItsOwnNetwork.class);

            assertThat(failures(events)).isEmpty();
            assertThat(events.succeeded().filter(e -> e.getTestDescriptor().isTest()).count()).isEqualTo(1);
        } finally {
            ReplaysToAContainerOnItsOwnNetwork.network.close();
        }
    }

    /** The recordings are all in the @Nested class's folder: the class still replays (AUTO), and serves their origins. */
    @Test
    void nestedTestsShareTheClassesContainersAndMode() throws Exception {
        ContainerRequirement.image();
        recording("WhenAsked", "answers", "https://api.nested.test:18451/ping", "pong");

        Events events = run(HasItsTestsInNestedClasses.class);

        assertThat(failures(events)).isEmpty();
        assertThat(events.succeeded().filter(e -> e.getTestDescriptor().isTest()).count()).isEqualTo(1);
    }

    @Test
    void aStartUpRequestThatWasNotRecordedFailsTheFirstTest() throws Exception {
        ContainerRequirement.image();
        recording("AsksForSomethingNotRecordedAtStart", "anything", "https://api.start.test:18450/other", "x");

        assertThat(failures(run(AsksForSomethingNotRecordedAtStart.class))).first().asString()
                .contains("1 request matched nothing recorded in").contains("_beforeAll.har").contains("/config");
    }

    @Test
    void aRunningContainerIsRecordedFromTheCallOn() {
        BpfRequirement.check();
        ContainerRequirement.image();
        Events events = run(StartsItsOwnContainer.class);

        assertThat(failures(events)).isEmpty();
        assertThat(DIR.resolve("StartsItsOwnContainer/asksTheApiFromAContainer.har")).content().contains("/json");
    }
}
