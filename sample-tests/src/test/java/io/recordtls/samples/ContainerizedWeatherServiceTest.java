package io.recordtls.samples;

import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.MountableFile;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Node service in a Debian container, calling a forecast API on the host over HTTPS (fetch).
 * The container is an instance field: Testcontainers starts one per test, so its start-up call is
 * part of the test's own recording.
 */
@RecordTls
@ExtendWith({DockerRequirement.class, ContainerizedWeatherServiceTest.ForecastApi.class})
@Testcontainers
class ContainerizedWeatherServiceTest {
    static final int SERVICE_PORT = 18092;

    @Container
    final GenericContainer<?> weather = new GenericContainer<>(DockerRequirement.debianImage())
            .withNetworkMode("host")
            .withExtraHost("weather.upstream.test", "127.0.0.1")
            .withCopyFileToContainer(MountableFile.forClasspathResource("services/weather_service.mjs"), "/srv/weather_service.mjs")
            .withCopyFileToContainer(MountableFile.forHostPath(FakeApi.certificates().caPem()), "/etc/upstream/ca.pem")
            .withEnv("NODE_EXTRA_CA_CERTS", "/etc/upstream/ca.pem")
            .withEnv("WEATHER_API", "https://weather.upstream.test:18447")
            .withEnv("WEATHER_KEY", "k-123456")
            .withEnv("PORT", Integer.toString(SERVICE_PORT))
            .withCommand("node", "/srv/weather_service.mjs")
            .waitingFor(Wait.forLogMessage(".*weather service ready.*", 1));

    static final class ForecastApi extends FakeApi.WhileRecording {
        ForecastApi() {
            super(18447,
                    get(urlEqualTo("/v1/stations")).willReturn(okJson("[\"Paris\",\"Oslo\"]")),
                    get(urlEqualTo("/v1/forecast?city=Oslo")).willReturn(okJson("{\"summary\":\"snow\",\"high\":-3}")));
        }
    }

    @Test
    void forecastsTheWeatherInOslo(TlsRecording tls) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + SERVICE_PORT + "/forecast?city=Oslo")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.body()).isEqualTo("Oslo: snow, -3°C");
        assertThat(tls.exchanges()).extracting(x -> x.method() + " " + x.url())
                .containsExactly("GET https://weather.upstream.test:18447/v1/stations",
                        "GET https://weather.upstream.test:18447/v1/forecast?city=Oslo");
        assertThat(tls.exchanges().get(1).requestHeader("X-Api-Key")).isNotBlank();
    }
}
