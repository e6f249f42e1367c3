package io.recordtls.har;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Command lines go into committed HARs: what sets a secret is masked, the rest kept as typed. */
class RedactorTest {
    private final Redactor redactor = new Redactor(true, Set.of());

    @Test
    void javaOptionsThatSetSecretsAreMasked() {
        assertThat(redactor.commandLine(List.of("java", "-Djavax.net.ssl.keyStorePassword=hunter2", "-Dspring.datasource.password=s3cret",
                "-Dapi.key=abc", "--client-secret=xyz", "-Dserver.port=8443", "-jar", "app.jar")))
                .isEqualTo("java -Djavax.net.ssl.keyStorePassword=REDACTED -Dspring.datasource.password=REDACTED -Dapi.key=REDACTED"
                        + " --client-secret=REDACTED -Dserver.port=8443 -jar app.jar");
    }

    @Test
    void headersAndUrlCredentialsAreMaskedAsBefore() {
        assertThat(redactor.commandLine(List.of("curl", "-H", "Authorization: Bearer t0ken", "-u", "me:pw", "https://u:p@example.com/x")))
                .isEqualTo("curl -H 'Authorization: REDACTED' -u REDACTED https://REDACTED@example.com/x");
    }
}
