package io.recordtls.junit;

import io.recordtls.recorder.demo.DemoHttpsServer;
import io.recordtls.recorder.e2e.BpfRequirement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** A test that fails while recording must not leave a recording AUTO would replay. */
class FailedRecordingTest {
    static final Path DIR = Path.of("target/failed-recording-test");
    static DemoHttpsServer upstream;

    @BeforeAll
    static void start() throws IOException {
        upstream = DemoHttpsServer.start();
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    // --- the user's test class --------------------------------------------------------------

    @RecordTls(mode = RecordTlsMode.RECORD, directory = "target/failed-recording-test")
    static class AsksTheApiThenFails {
        @Test
        void thenFails() throws Exception {
            curl();
            fail("the service answered something this test did not expect");
        }

        @Test
        void passes() throws Exception {
            curl();
        }

        private static void curl() throws Exception {
            Process p = new ProcessBuilder("curl", "-sS", "-o", "/dev/null", "--cacert", upstream.caCertificate().toString(),
                    upstream.baseUrl() + "/json").inheritIO().start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("curl").isTrue();
        }
    }

    // --- the cases ----------------------------------------------------------------------------

    @Test
    void aFailedTestsRecordingIsKeptAsideAndTheFailureSaysWhere() throws Exception {
        BpfRequirement.check();
        Path dir = DIR.resolve("AsksTheApiThenFails");
        Path failedHar = dir.resolve("thenFails.har"), partial = dir.resolve("thenFails.har.failed");
        Files.deleteIfExists(failedHar);
        Files.deleteIfExists(partial);

        Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(AsksTheApiThenFails.class))
                .execute().testEvents();

        assertThat(events.succeeded().count()).isEqualTo(1);
        Throwable failure = events.failed().stream().findFirst().orElseThrow()
                .getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
        assertThat(failure).hasMessageContaining("did not expect");
        assertThat(failedHar).as("nothing AUTO would replay").doesNotExist();
        assertThat(partial).as("what the failed run recorded, kept aside").content().contains("/json");
        assertThat(Arrays.stream(failure.getSuppressed()).map(Throwable::getMessage))
                .anySatisfy(m -> assertThat(m).contains("not saved as " + failedHar).contains("is in " + partial));
        assertThat(dir.resolve("passes.har")).as("a passing test's recording is saved").content().contains("/json");
    }
}
