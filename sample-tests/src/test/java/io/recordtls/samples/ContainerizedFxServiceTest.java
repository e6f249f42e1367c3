package io.recordtls.samples;

import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.MountableFile;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Java service (the JDK's HttpClient, its own trust store) in a Debian container, calling a
 * rates API on the host over HTTPS, once at start and once per request. Recording, the JVM gets
 * the JVM probe from its first instruction (JAVA_TOOL_OPTIONS), so the start-up call is in
 * _beforeAll.har; replaying, it trusts the replay through JAVA_TOOL_OPTIONS too. The
 * container's configuration is the same in both modes.
 */
@RecordTls
@ExtendWith({DockerRequirement.class, ContainerizedFxServiceTest.RatesApi.class})
@Testcontainers
class ContainerizedFxServiceTest {
    static final int SERVICE_PORT = 18093;

    @Container
    static final GenericContainer<?> fx = new GenericContainer<>(DockerRequirement.debianImage())
            .withNetworkMode("host")
            .withExtraHost("rates.upstream.test", "127.0.0.1")
            // the test image has no JDK: the one running the tests, read-only
            .withFileSystemBind(System.getProperty("java.home"), "/opt/jdk", BindMode.READ_ONLY)
            .withCopyFileToContainer(MountableFile.forClasspathResource("services/FxService.java"), "/srv/FxService.java")
            .withCopyFileToContainer(MountableFile.forHostPath(FakeApi.trustStore()), "/etc/upstream/truststore.p12")
            .withEnv("JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=/etc/upstream/truststore.p12 -Djavax.net.ssl.trustStorePassword="
                    + FakeApi.TRUST_STORE_PASSWORD)
            .withEnv("RATES_API", "https://rates.upstream.test:18447")
            .withEnv("RATES_TOKEN", "s3cret-token")
            .withEnv("PORT", Integer.toString(SERVICE_PORT))
            .withCommand("/opt/jdk/bin/java", "/srv/FxService.java")
            .waitingFor(Wait.forLogMessage(".*fx service ready.*", 1).withStartupTimeout(Duration.ofSeconds(120)));

    static final class RatesApi extends FakeApi.WhileRecording {
        RatesApi() {
            super(18447,
                    get(urlEqualTo("/v1/config")).willReturn(okJson("{\"precision\":\"2\"}")),
                    get(urlEqualTo("/v1/rates?from=EUR&to=CHF")).willReturn(okJson("{\"rate\":0.94}")));
        }
    }

    @Test
    void convertsEurosToFrancs(TlsRecording tls) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + SERVICE_PORT + "/convert?amount=100&from=EUR&to=CHF")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.body()).isEqualTo("100 EUR = 94.00 CHF");
        assertThat(tls.exchanges()).extracting(x -> x.method() + " " + x.url())
                .containsExactly("GET https://rates.upstream.test:18447/v1/rates?from=EUR&to=CHF");
        assertThat(tls.exchanges().getFirst().requestHeader("Authorization")).isNotBlank();
    }
}
