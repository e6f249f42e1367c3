package io.recordtls.samples;

import io.recordtls.har.RecordedExchange;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Go stock service (static, stripped: crypto/tls, no OpenSSL) as images ship it, in a Debian
 * container at a path only the container has, calling the warehouse API on the host over HTTPS
 * (HTTP/2, Go's default). @RecordTls records it from its first instruction, or points it at the
 * replay; the container's configuration is the same in both modes.
 */
@RecordTls
@ExtendWith({DockerRequirement.class, ContainerizedStockServiceTest.WarehouseApi.class})
@Testcontainers
class ContainerizedStockServiceTest {
    static final int SERVICE_PORT = 18094;
    /** Built before the container is declared (a class's static fields come in order), and before any recording. */
    static final Path STOCK_SERVICE = build();

    @Container
    static final GenericContainer<?> stock = new GenericContainer<>(DockerRequirement.debianImage())
            .withNetworkMode("host")
            .withExtraHost("warehouse.upstream.test", "127.0.0.1")
            .withCopyFileToContainer(MountableFile.forHostPath(STOCK_SERVICE, 0755), "/opt/stock/stock_service")
            .withCopyFileToContainer(MountableFile.forHostPath(FakeApi.certificates().caPem()), "/etc/upstream/ca.pem")
            .withEnv("SSL_CERT_FILE", "/etc/upstream/ca.pem")
            .withEnv("STOCK_API", "https://warehouse.upstream.test:18451")
            .withEnv("PORT", Integer.toString(SERVICE_PORT))
            .withCommand("/opt/stock/stock_service")
            .waitingFor(Wait.forLogMessage(".*stock service ready.*", 1));

    static final class WarehouseApi extends FakeApi.WhileRecording {
        WarehouseApi() {
            super(18451,
                    get(urlEqualTo("/v1/stock/W-9")).willReturn(okJson("{\"sku\":\"W-9\",\"available\":12}")),
                    post(urlEqualTo("/v1/reservations")).withRequestBody(equalToJson("{\"sku\":\"W-9\",\"quantity\":5}"))
                            .willReturn(okJson("{\"id\":\"r-77\"}")));
        }
    }

    private static Path build() {
        try {
            return GoBuild.build("stock_service");
        } catch (Exception e) {
            throw new IllegalStateException("build the Go stock service", e);
        }
    }

    @Test
    void reservesStockFromAContainer(TlsRecording tls) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + SERVICE_PORT + "/reserve?sku=W-9&quantity=5")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.body()).isEqualTo("reserved 5 of 12 W-9: r-77");
        assertThat(tls.exchanges()).extracting(x -> x.method() + " " + x.url())
                .containsExactly("GET https://warehouse.upstream.test:18451/v1/stock/W-9",
                        "POST https://warehouse.upstream.test:18451/v1/reservations");
        RecordedExchange reservation = tls.exchanges().get(1);
        assertThat(new String(reservation.requestBody(), StandardCharsets.UTF_8)).isEqualTo("{\"sku\":\"W-9\",\"quantity\":5}");
        assertThat(new String(reservation.responseBody(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"r-77\"}");
    }
}
