package io.recordtls.junit;

import com.github.tomakehurst.wiremock.client.WireMock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** How @RecordTls behaves for a user's test: the cases run through JUnit's own engine. */
class RecordTlsExtensionTest {
    @TempDir
    static Path recordings;

    static final AtomicReference<String> lastBody = new AtomicReference<>();

    static Events runInParallel(Class<?>... testClasses) {
        var kit = EngineTestKit.engine("junit-jupiter").configurationParameter("junit.jupiter.conditions.deactivate", "org.junit.*DisabledCondition")
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "4");
        for (Class<?> c : testClasses) {
            kit = kit.selectors(selectClass(c));
        }
        return kit.execute().testEvents();
    }

    static Events run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter").configurationParameter("junit.jupiter.conditions.deactivate", "org.junit.*DisabledCondition")
                .selectors(selectClass(testClass)).execute().testEvents();
    }

    static String failure(Events events) {
        return events.failed().stream().findFirst().orElseThrow(() -> new AssertionError("no test failed"))
                .getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow().getMessage();
    }

    static void har(String cls, String method, String entries) throws Exception {
        har(recordings, cls, method, entries);
    }

    static void har(Path dir, String cls, String method, String entries) throws Exception {
        Path f = dir.resolve(cls).resolve(method + ".har");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"t\",\"version\":\"1\"},\"entries\":[" + entries + "]}}");
    }

    static String get(String url, int status, String body) {
        return "{\"request\":{\"method\":\"GET\",\"url\":\"" + url + "\",\"headers\":[]},\"response\":{\"status\":" + status
                + ",\"headers\":[{\"name\":\"Content-Type\",\"value\":\"text/plain\"}],\"content\":{\"mimeType\":\"text/plain\",\"text\":\"" + body + "\"}}}";
    }

    static String fetch(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    // --- the user's test classes -------------------------------------------------------------

    static class ReplaysWhatWasRecorded {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings).build();

        @Test
        void asksTheApi(TlsRecording rec) throws Exception {
            assertThat(rec.isReplaying()).isTrue();
            lastBody.set(fetch(rec.baseUrl("http://api.example.test:8080") + "/status?v=1"));
            assertThat(rec.exchanges()).singleElement().satisfies(x -> {
                assertThat(x.url().toString()).isEqualTo("http://api.example.test:8080/status?v=1");
                assertThat(x.status()).isEqualTo(200);
            });
        }
    }

    static class SendsSomethingNotRecorded {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings).build();

        @Test
        void asksTheApi(TlsRecording rec) throws Exception {
            fetch(rec.baseUrl("http://api.example.test:8080") + "/status?v=2");
        }
    }

    /** Java code that calls its API by name, with the JDK's default trust and no proxy set: what a service does. */
    static class CallsTheApiByItsName {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings).build();

        @Test
        void withHttpClient(TlsRecording rec) throws Exception {
            lastBody.set(fetch("https://rates.api.example/v1/rate?from=EUR"));
        }

        @Test
        @SuppressWarnings("deprecation")
        void withHttpsUrlConnection(TlsRecording rec) throws Exception {
            var c = (javax.net.ssl.HttpsURLConnection) new java.net.URL("https://rates.api.example/v1/rate?from=EUR").openConnection();
            try (var in = c.getInputStream()) {
                lastBody.set(c.getResponseCode() + " " + new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }

    /** A client built once for the class, before any test (as a Spring context builds its clients). */
    static class BuildsItsClientOnceForTheClass {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings).build();
        static HttpClient client;
        static final java.util.List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();

        @BeforeAll
        static void buildTheClient() {
            client = HttpClient.newHttpClient();
        }

        @Test
        void first() throws Exception {
            bodies.add(client.send(HttpRequest.newBuilder(URI.create("https://rates.api.example/v1/rate?from=EUR")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        }

        @Test
        void second() throws Exception {
            bodies.add(client.send(HttpRequest.newBuilder(URI.create("https://rates.api.example/v1/rate?from=USD")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        }
    }

    /** A service that tolerates a failing call (logs it, goes on): the test must fail all the same. */
    static class CallsAHostNothingWasRecordedFor {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings).build();

        @Test
        void swallowsTheError(TlsRecording rec) {
            try {
                fetch("https://analytics.elsewhere.example/collect");
            } catch (Exception tolerated) {
                lastBody.set(tolerated.toString());
            }
        }
    }

    /** The client's exception reaches the test: it must say why, not only "Tunnel failed, got: 403". */
    static class LetsTheRefusalThrough {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings).build();

        @Test
        void callsIt(TlsRecording rec) throws Exception {
            fetch("https://analytics.elsewhere.example/collect");
        }
    }

    static class LeavesARecordingUnused {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings)
                .failOnUnusedRecordings(true).build();

        @Test
        void asksOnce(TlsRecording rec) throws Exception {
            fetch(rec.baseUrl("http://api.example.test:8080") + "/a");
        }
    }

    /** A failure the recording does not hold, put in front of it for one test; the next test replays it as recorded. */
    @org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
    static class OverridesTheReplayForOneTest {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings)
                .replayServerPerClass(true).failOnUnusedRecordings(true).build();
        static final java.util.List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Test
        void a_failsOnce(TlsRecording rec) throws Exception {
            rec.stubFor(WireMock.get(WireMock.urlPathEqualTo("/status")).willReturn(WireMock.serverError().withBody("down")));
            rec.stubFor("http://api.example.test:8080", WireMock.get(WireMock.urlPathEqualTo("/extra")).willReturn(WireMock.ok("new")));
            bodies.add(fetch(rec.baseUrl("http://api.example.test:8080") + "/status?v=1"));
            bodies.add(fetch(rec.baseUrl("http://api.example.test:8080") + "/extra"));
            assertThat(rec.exchanges()).extracting(x -> x.status()).containsExactly(500, 200);
        }

        @Test
        void b_asRecorded(TlsRecording rec) throws Exception {
            bodies.add(fetch(rec.baseUrl("http://api.example.test:8080") + "/status?v=1"));
        }
    }

    /** Per-test replay (no replayServerPerClass): the second test gets the first one's server, started over. */
    @org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
    static class HandsItsServerOnToTheNextTest {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings).build();
        static final java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Test
        void a_overridesAndAsks(TlsRecording rec) throws Exception {
            rec.stubFor(WireMock.get(WireMock.urlPathEqualTo("/status")).willReturn(WireMock.serverError().withBody("down")));
            String base = rec.baseUrl("http://api.example.test:8080");
            seen.add(base);
            seen.add(fetch(base + "/status?v=1"));
            seen.add(fetch(base + "/status?v=1"));
            assertThat(rec.exchanges()).hasSize(2);
        }

        @Test
        void b_asksAsRecorded(TlsRecording rec) throws Exception {
            String base = rec.baseUrl("http://api.example.test:8080");
            seen.add(base);
            seen.add(fetch(base + "/status?v=1"));
            assertThat(rec.exchanges()).as("only this test's requests").singleElement()
                    .satisfies(x -> assertThat(x.status()).isEqualTo(200));
        }
    }

    static class HasNoRecording {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings).build();

        @Test
        void anything(TlsRecording rec) {
        }
    }

    @RecordTls(mode = RecordTlsMode.REPLAY)
    static class WantsTheRecordingTooEarly {
        @BeforeAll
        static void setUp(TlsRecording rec) {
        }

        @Test
        void anything() {
        }
    }

    // --- the assertions ----------------------------------------------------------------------

    /** Two tests that overlap in time when JUnit runs them in parallel (each waits for the other to start). */
    static final java.util.concurrent.CyclicBarrier overlap = new java.util.concurrent.CyclicBarrier(2);

    static void overlapOrGoOn() throws Exception {
        try {
            overlap.await(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.BrokenBarrierException serialised) {
            // the other one is not running beside this one: as it should be
        }
    }

    static final String PARALLEL_DIR = "target/recordtls-parallel-test";

    @RecordTls(mode = RecordTlsMode.REPLAY, directory = PARALLEL_DIR)
    static class AnnotatedOne {
        @Test
        void asksTheApi(TlsRecording rec) throws Exception {
            overlapOrGoOn();
            assertThat(fetch(rec.baseUrl("http://api.example.test:8080") + "/one")).isEqualTo("200 one");
        }
    }

    @RecordTls(mode = RecordTlsMode.REPLAY, directory = PARALLEL_DIR)
    static class AnnotatedTwo {
        @Test
        void asksTheApi(TlsRecording rec) throws Exception {
            overlapOrGoOn();
            assertThat(fetch(rec.baseUrl("http://api.example.test:8080") + "/two")).isEqualTo("200 two");
        }
    }

    static class RegisteredInCodeWithNoLock {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(Path.of(PARALLEL_DIR)).build();

        @Test
        void first(TlsRecording rec) throws Exception {
            Thread.sleep(1500); // the other test starts meanwhile
        }

        @Test
        void second(TlsRecording rec) throws Exception {
            Thread.sleep(1500);
        }
    }

    @Test
    void recordTlsClassesRunOneAtATimeWhileJUnitRunsTestsInParallel() throws Exception {
        har(Path.of(PARALLEL_DIR), "AnnotatedOne", "asksTheApi", get("http://api.example.test:8080/one", 200, "one"));
        har(Path.of(PARALLEL_DIR), "AnnotatedTwo", "asksTheApi", get("http://api.example.test:8080/two", 200, "two"));
        overlap.reset();
        runInParallel(AnnotatedOne.class, AnnotatedTwo.class).assertStatistics(s -> s.succeeded(2).failed(0));
    }

    @Test
    void twoRecordTlsTestsAtOnceAreRefusedSayingWhatToDoNeverMixed() throws Exception {
        har(Path.of(PARALLEL_DIR), "RegisteredInCodeWithNoLock", "first", get("http://api.example.test:8080/a", 200, "a"));
        har(Path.of(PARALLEL_DIR), "RegisteredInCodeWithNoLock", "second", get("http://api.example.test:8080/b", 200, "b"));
        Events events = runInParallel(RegisteredInCodeWithNoLock.class);
        events.assertStatistics(s -> s.succeeded(1).failed(1));
        assertThat(failure(events)).contains("two @RecordTls tests run at the same time in this JVM")
                .contains("@ResourceLock(\"io.recordtls\")");
    }

    static class VerifiesWhatWasExchanged {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings).build();

        @Test
        void asksTwiceAndVerifiesThreeTimes(TlsRecording rec) throws Exception {
            String base = rec.baseUrl("http://api.example.test:8080");
            fetch(base + "/status?v=1");
            fetch(base + "/status?v=1");
            rec.verify(2, WireMock.getRequestedFor(WireMock.urlPathEqualTo("/status")).withQueryParam("v", WireMock.equalTo("1"))
                    .withHost(WireMock.equalTo("api.example.test")).withPort(8080));
            rec.verify(WireMock.getRequestedFor(WireMock.urlEqualTo("/status?v=1")));
            assertThat(rec.findAll(WireMock.postRequestedFor(WireMock.anyUrl()))).isEmpty();
            rec.verify(3, WireMock.getRequestedFor(WireMock.urlPathEqualTo("/status"))); // fails: 2 matched
        }
    }

    @Test
    void verifyCountsExchangesWithWireMocksPatternsAndSaysWhatThereWasWhenItFails() throws Exception {
        har("VerifiesWhatWasExchanged", "asksTwiceAndVerifiesThreeTimes", get("http://api.example.test:8080/status?v=1", 200, "ok"));
        String message = failure(run(VerifiesWhatWasExchanged.class));
        assertThat(message).startsWith("expected exactly 3 exchanges matching").contains("but 2 matched, of these 2:")
                .contains("GET http://api.example.test:8080/status?v=1 -> 200");
    }

    /** What a Spring context does with @DynamicPropertySource: the base URL taken once, before the tests. */
    static class TakesItsBaseUrlBeforeItsTests {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.AUTO).directory(recordings).build();
        static String api;

        @BeforeAll
        static void configureTheApplication() {
            api = tls.baseUrl("http://api.example.test:8080");
        }

        @Test
        void first(TlsRecording rec) throws Exception {
            assertThat(rec.isReplaying()).isTrue();
            assertThat(fetch(api + "/one")).isEqualTo("200 first");
        }

        @Test
        void second(TlsRecording rec) throws Exception {
            assertThat(fetch(api + "/two")).isEqualTo("200 second");
            assertThat(rec.baseUrl("http://api.example.test:8080")).isEqualTo(api);
        }

        @Test
        void third(TlsRecording rec) throws Exception {
            fetch(api + "/three");
        }
    }

    static class AsksForItsBaseUrlTooEarly {
        @RegisterExtension
        static RecordTlsExtension tls = RecordTlsExtension.builder().mode(RecordTlsMode.REPLAY).directory(recordings).build();
        static RuntimeException refused;

        static {
            try {
                tls.baseUrl("http://api.example.test:8080");
            } catch (RuntimeException e) {
                refused = e;
            }
        }

        @Test
        void anything() {
            assertThat(refused).hasMessageContaining("answers for a class from its beforeAll on");
        }
    }

    @Test
    void aBaseUrlTakenBeforeTheTestsServesEachTestsRecordingAndTheClassReplaysAsAWhole() throws Exception {
        har("TakesItsBaseUrlBeforeItsTests", "first", get("http://api.example.test:8080/one", 200, "first"));
        har("TakesItsBaseUrlBeforeItsTests", "second", get("http://api.example.test:8080/two", 200, "second"));
        // no recording for "third": AUTO would record it alone, but the application already points at the replay
        Events events = run(TakesItsBaseUrlBeforeItsTests.class);
        events.assertStatistics(s -> s.succeeded(2).failed(1));
        assertThat(failure(events)).contains("third.har to replay").contains("the class's base URLs were taken before its tests");
        har("AsksForItsBaseUrlTooEarly", "anything", get("http://api.example.test:8080/x", 200, "x"));
        run(AsksForItsBaseUrlTooEarly.class).assertStatistics(s -> s.succeeded(1));
    }

    @Test
    void replayServesTheRecordedResponseAndReportsWhatTheServiceSent() throws Exception {
        har("ReplaysWhatWasRecorded", "asksTheApi", get("http://api.example.test:8080/status?v=1", 200, "all good"));
        Events events = run(ReplaysWhatWasRecorded.class);
        events.assertStatistics(s -> s.succeeded(1).failed(0));
        assertThat(lastBody.get()).isEqualTo("200 all good");
    }

    @Test
    void aRequestThatWasNotRecordedFailsTheTestWithTheClosestRecordedOne() throws Exception {
        har("SendsSomethingNotRecorded", "asksTheApi", get("http://api.example.test:8080/status?v=1", 200, "ok"));
        String message = failure(run(SendsSomethingNotRecorded.class));
        assertThat(message).contains("1 request matched nothing recorded in").contains("GET http://localhost:")
                .contains("/status?v=2").contains("closest recorded: GET http://api.example.test:8080/status?v=1");
    }

    @Test
    void inProcessJavaClientsReachTheReplayUnderTheRecordedNameWithNoChange() throws Exception {
        String recorded = get("https://rates.api.example/v1/rate?from=EUR", 200, "0.94");
        har("CallsTheApiByItsName", "withHttpClient", recorded);
        har("CallsTheApiByItsName", "withHttpsUrlConnection", recorded);
        javax.net.ssl.SSLContext before = javax.net.ssl.SSLContext.getDefault();
        java.net.ProxySelector selectorBefore = java.net.ProxySelector.getDefault();
        Events events = run(CallsTheApiByItsName.class);
        events.assertStatistics(s -> s.succeeded(2).failed(0));
        assertThat(lastBody.get()).isEqualTo("200 0.94");
        assertThat(javax.net.ssl.SSLContext.getDefault()).as("the JVM's trust is put back").isSameAs(before);
        assertThat(java.net.ProxySelector.getDefault()).isSameAs(selectorBefore);
    }

    @Test
    void aClientBuiltBeforeTheTestsReachesEachTestsReplay() throws Exception {
        har("BuildsItsClientOnceForTheClass", "first", get("https://rates.api.example/v1/rate?from=EUR", 200, "0.94"));
        har("BuildsItsClientOnceForTheClass", "second", get("https://rates.api.example/v1/rate?from=USD", 200, "0.87"));
        run(BuildsItsClientOnceForTheClass.class).assertStatistics(s -> s.succeeded(2).failed(0));
        assertThat(BuildsItsClientOnceForTheClass.bodies).containsExactlyInAnyOrder("0.94", "0.87");
    }

    @Test
    void inProcessCallsToAHostNothingWasRecordedForFailTheTestAndNeverLeaveTheMachine() throws Exception {
        har("CallsAHostNothingWasRecordedFor", "swallowsTheError", get("https://rates.api.example/v1/rate", 200, "0.94"));
        String message = failure(run(CallsAHostNothingWasRecordedFor.class));
        assertThat(message).contains("Java code in this JVM called https://analytics.elsewhere.example:443")
                .contains("recorded nothing").contains("replaying never reaches the network");
        assertThat(lastBody.get()).contains("403");
    }

    @Test
    void aRefusedCallThatThrowsFailsTheTestWithWhyAndTheClientsErrorAsCause() throws Exception {
        har("LetsTheRefusalThrough", "callsIt", get("https://rates.api.example/v1/rate", 200, "0.94"));
        String message = failure(run(LetsTheRefusalThrough.class));
        assertThat(message).startsWith("Java code in this JVM called https://analytics.elsewhere.example:443");
    }

    @Test
    void aTestPutsWireMockStubsInFrontOfItsRecordingForItselfOnly() throws Exception {
        for (String m : new String[] {"a_failsOnce", "b_asRecorded"}) {
            har("OverridesTheReplayForOneTest", m, get("http://api.example.test:8080/status?v=1", 200, "up"));
        }
        Events events = run(OverridesTheReplayForOneTest.class);
        events.assertStatistics(s -> s.started(2).succeeded(2));
        assertThat(OverridesTheReplayForOneTest.bodies).containsExactly("500 down", "200 new", "200 up");
    }

    @Test
    void theTestsOfAClassShareReplayServersThatStartOverBetweenThemAndStopWithTheClass() throws Exception {
        for (String m : new String[] {"a_overridesAndAsks", "b_asksAsRecorded"}) {
            har("HandsItsServerOnToTheNextTest", m, get("http://api.example.test:8080/status?v=1", 200, "up"));
        }
        run(HandsItsServerOnToTheNextTest.class).assertStatistics(s -> s.started(2).succeeded(2));
        var seen = HandsItsServerOnToTheNextTest.seen;
        assertThat(seen).hasSize(5);
        assertThat(seen.get(3)).as("the same server, on the same port").isEqualTo(seen.get(0));
        assertThat(seen.subList(1, 3)).containsOnly("500 down");
        assertThat(seen.get(4)).as("the first test's override is gone").isEqualTo("200 up");
        URI base = URI.create(seen.get(0));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new java.net.Socket(base.getHost(), base.getPort()).close())
                .as("stopped with the class").isInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void aRecordingTestCannotOverrideTheUpstream() {
        var recording = new TestRecording.Recording(recordings.resolve("C/m.har"), null, "segment");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> recording.stubFor(WireMock.get("/x").willReturn(WireMock.serverError())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("this test is recording into").hasMessageContaining("tls.isReplaying()");
    }

    @Test
    void unusedRecordingsFailWhenAskedTo() throws Exception {
        har("LeavesARecordingUnused", "asksOnce", get("http://api.example.test:8080/a", 200, "a") + "," + get("http://api.example.test:8080/b", 200, "b"));
        assertThat(failure(run(LeavesARecordingUnused.class))).contains("1 recorded exchange was never requested")
                .contains("GET http://api.example.test:8080/b");
    }

    @Test
    void replayWithoutARecordingSaysHowToMakeOne() {
        assertThat(failure(run(HasNoRecording.class))).contains("no recording at").contains("HasNoRecording/anything.har")
                .contains("-Drecordtls.mode=RECORD");
    }

    @Test
    void theRecordingIsPerTestNotPerClass() {
        Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(WantsTheRecordingTooEarly.class)).execute().containerEvents();
        assertThat(events.failed().stream().findFirst().orElseThrow().getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .orElseThrow().getThrowable().orElseThrow().getMessage()).contains("TlsRecording exists per test");
    }

    @Test
    void aModeOverrideThatIsNoModeIsAClearError() {
        System.setProperty(RecordTlsMode.PROPERTY, "sometimes");
        try {
            assertThat(failure(run(HasNoRecording.class))).contains("-Drecordtls.mode=sometimes is not a mode: use one of [AUTO, RECORD, REPLAY]");
        } finally {
            System.clearProperty(RecordTlsMode.PROPERTY);
        }
    }
}
