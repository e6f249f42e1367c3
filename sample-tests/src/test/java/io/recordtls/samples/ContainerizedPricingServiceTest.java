package io.recordtls.samples;

import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import io.recordtls.har.RecordedExchange;
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
import java.nio.charset.StandardCharsets;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Python service in a Debian container, calling a quotes API on the host over HTTPS. The
 * container's configuration is the same in both modes: @RecordTls records it from its first
 * instruction, or points it at the replay (host entries, recorded ports, the replay's CA).
 */
@RecordTls
@ExtendWith({DockerRequirement.class, ContainerizedPricingServiceTest.QuotesApi.class})
@Testcontainers
class ContainerizedPricingServiceTest {
    static final int SERVICE_PORT = 18091;

    @Container
    static final GenericContainer<?> pricing = new GenericContainer<>(DockerRequirement.debianImage())
            .withNetworkMode("host")
            .withExtraHost("quotes.upstream.test", "127.0.0.1")
            .withCopyFileToContainer(MountableFile.forClasspathResource("services/pricing_service.py"), "/srv/pricing_service.py")
            .withCopyFileToContainer(MountableFile.forHostPath(FakeApi.certificates().caPem()), "/etc/upstream/ca.pem")
            .withEnv("SSL_CERT_FILE", "/etc/upstream/ca.pem")
            .withEnv("QUOTES_API", "https://quotes.upstream.test:18446")
            .withEnv("QUOTES_TOKEN", "s3cret-token")
            .withEnv("PORT", Integer.toString(SERVICE_PORT))
            .withCommand("python3", "/srv/pricing_service.py")
            .waitingFor(Wait.forLogMessage(".*pricing service ready.*", 1));

    static final class QuotesApi extends FakeApi.WhileRecording {
        QuotesApi() {
            super(18446,
                    get(urlEqualTo("/v1/config")).willReturn(okJson("{\"currency\":\"EUR\"}")),
                    post(urlEqualTo("/v1/quotes")).withRequestBody(equalToJson("{\"symbol\":\"ACME\",\"quantity\":10}"))
                            .willReturn(okJson("{\"symbol\":\"ACME\",\"price\":12.5,\"currency\":\"USD\"}")),
                    get(urlEqualTo("/v1/fx?from=USD&to=EUR")).willReturn(okJson("{\"rate\":0.9}")));
        }
    }

    @Test
    void pricesAnOrderInEuros(TlsRecording tls) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + SERVICE_PORT + "/price?symbol=ACME&quantity=10")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.body()).isEqualTo("ACME x10 = 112.50 EUR");
        assertThat(tls.exchanges()).extracting(x -> x.method() + " " + x.url())
                .containsExactly("POST https://quotes.upstream.test:18446/v1/quotes",
                        "GET https://quotes.upstream.test:18446/v1/fx?from=USD&to=EUR");
        RecordedExchange quote = tls.exchanges().getFirst();
        assertThat(new String(quote.requestBody(), StandardCharsets.UTF_8)).isEqualTo("{\"symbol\": \"ACME\", \"quantity\": 10}");
        assertThat(quote.requestHeader("Authorization")).isNotBlank();
    }
}
