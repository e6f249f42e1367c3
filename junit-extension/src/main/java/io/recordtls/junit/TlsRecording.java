package io.recordtls.junit;

import com.github.tomakehurst.wiremock.client.CountMatchingStrategy;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import io.recordtls.har.RecordedExchange;

import javax.net.ssl.SSLContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A test's recording, injected into test and @BeforeEach/@AfterEach methods of a
 * {@link RecordTls} test. The same test body works in both modes: take upstream URLs from
 * {@link #baseUrl} and add {@link #environment} to the service's environment.
 */
public interface TlsRecording {
    /** RECORD or REPLAY: what this test does now (AUTO is resolved). */
    RecordTlsMode mode();

    default boolean isRecording() {
        return mode() == RecordTlsMode.RECORD;
    }

    default boolean isReplaying() {
        return mode() == RecordTlsMode.REPLAY;
    }

    /** The HAR this test records into or replays from. */
    Path harFile();

    /**
     * The exchanges so far: recorded ones while recording, the ones served by the replay while
     * replaying (with their original URLs), so assertions on what the service sent hold in both.
     */
    List<RecordedExchange> exchanges();

    /**
     * The exchanges whose request matches {@code pattern}, written with WireMock's DSL as for its
     * {@code verify}: {@code tls.findAll(postRequestedFor(urlPathEqualTo("/v1/orders")).withRequestBody(containing("ACME")))}.
     * The same in both modes; URLs and hosts are the recorded ones.
     */
    default List<RecordedExchange> findAll(RequestPatternBuilder pattern) {
        return ExchangeMatching.findAll(exchanges(), pattern);
    }

    /** Fails the test (WireMock's VerificationException, an AssertionError) unless at least one exchange matches. */
    default void verify(RequestPatternBuilder pattern) {
        verify(WireMock.moreThanOrExactly(1), pattern);
    }

    /** Fails the test unless exactly {@code count} exchanges match: {@code tls.verify(2, getRequestedFor(urlPathEqualTo("/v1/rates")))}. */
    default void verify(int count, RequestPatternBuilder pattern) {
        verify(WireMock.exactly(count), pattern);
    }

    /** Fails the test unless the number of exchanges that match satisfies {@code count} ({@code lessThan(3)}, {@code moreThan(0)}...). */
    default void verify(CountMatchingStrategy count, RequestPatternBuilder pattern) {
        ExchangeMatching.verify(exchanges(), count, pattern);
    }

    /**
     * Where the service should send requests meant for {@code origin} ("https://api.example.com"):
     * the origin itself while recording, the replay server for it while replaying.
     */
    String baseUrl(String origin);

    /**
     * An SSLContext for Java code that builds its own: while replaying, it trusts the system's
     * CAs and the replay servers' (the JVM's default context does too, for the test's
     * duration); while recording, the JVM's default.
     */
    SSLContext sslContext();

    /** While replaying: a CA bundle (the system's CAs plus the replay servers') for clients to trust. */
    Optional<Path> caCertificate();

    /**
     * While replaying: SSL_CERT_FILE, CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE and NODE_EXTRA_CA_CERTS
     * pointing at {@link #caCertificate}, or, where the system's CAs are in the hashed directory
     * that is curl's CApath, CURL_CA_BUNDLE and NODE_EXTRA_CA_CERTS at a file of the replay
     * servers' CAs alone (curl looks the system's up there, Node has its own); while recording:
     * nothing.
     */
    Map<String, String> environment();

    /**
     * While replaying: answers requests that {@code stub} matches with its response instead of the
     * recorded one, for the rest of this test only (the next test replays its recording as it is).
     * Written with WireMock's DSL, for the failures and edge cases a recording rarely holds:
     * {@code tls.stubFor(get(urlPathEqualTo("/v1/rates")).willReturn(serverError()))},
     * {@code .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER))},
     * {@code .willReturn(okJson("{}").withFixedDelay(2000))}. It takes precedence over the recorded
     * stubs (priority 1 unless it sets its own) on every origin this test replays; a recorded
     * exchange it stands in for counts as used for {@code failOnUnusedRecordings}.
     *
     * <p>While recording it is refused (IllegalStateException): the real upstream answers then,
     * and nothing can be put in front of it. Guard it with {@link #isReplaying()}, or run such a
     * test in REPLAY mode once its recording exists.
     */
    void stubFor(com.github.tomakehurst.wiremock.client.MappingBuilder stub);

    /** {@link #stubFor(com.github.tomakehurst.wiremock.client.MappingBuilder)} for one origin ("https://api.example.com") only. */
    void stubFor(String origin, com.github.tomakehurst.wiremock.client.MappingBuilder stub);

    /** Records this process too (and what it starts): one not started by the test JVM. */
    void addProcess(long pid);

    default void addProcess(Process process) {
        addProcess(process.pid());
    }

    default void addProcess(ProcessHandle process) {
        addProcess(process.pid());
    }

    /**
     * Records a running container from now on, by its full id ({@code container.getContainerId()}):
     * every process in it, and those started in it later. A {@code @Container} field of the test
     * class needs no call: it is recorded from its first instruction, and pointed at the replay
     * when replaying, which a container that already runs cannot be; while replaying this does nothing.
     */
    void addContainer(String containerId);
}
