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

    @Test
    void curlsCredentialOptionsAreMasked() {
        assertThat(redactor.commandLine(List.of("curl", "--oauth2-bearer", "b3arer", "-b", "sid=c00kie", "--cookie=sid=c00kie2",
                "-d", "user=me&password=pa55&remember=1", "--data-raw", "{\"login\":\"me\",\"password\":\"pa55\"}",
                "-H", "X-Session-Token: s3ss", "-uuser:pw", "https://api.test/x?api_key=k3y&page=2")))
                .isEqualTo("curl --oauth2-bearer REDACTED -b REDACTED --cookie=REDACTED -d user=me&password=REDACTED&remember=1"
                        + " --data-raw {\"login\":\"me\",\"password\":\"REDACTED\"} -H 'X-Session-Token: REDACTED' -uREDACTED"
                        + " https://api.test/x?api_key=REDACTED&page=2");
        assertThat(redactor.counts()).containsEntry("commandLine", 8L);
    }

    @Test
    void credentialQueryParametersAreMaskedInUrlsAndInUrlHeaders() {
        assertThat(redactor.url("https://api.test/v1/items?api_key=k1&page=2&token=t1&access_token=a1&code=c0de&state=xyz#frag"))
                .isEqualTo("https://api.test/v1/items?api_key=REDACTED&page=2&token=REDACTED&access_token=REDACTED&code=REDACTED&state=xyz#frag");
        assertThat(redactor.headerValue("Location", "https://app.test/callback?code=c0de&state=s"))
                .isEqualTo("https://app.test/callback?code=REDACTED&state=s");
        assertThat(redactor.url("https://user:pw@api.test/"))
                .isEqualTo("https://REDACTED@api.test/");
        assertThat(redactor.counts()).containsEntry("query:api_key", 1L).containsEntry("query:code", 2L).containsEntry("url:userinfo", 1L);
    }

    @Test
    void tokenAndPasswordHeadersAreMasked() {
        for (String h : List.of("X-Token", "X-Session-Token", "X-Refresh-Token", "Authentication", "Api-Token", "Authorization", "Cookie")) {
            assertThat(redactor.headerValue(h, "secret-value")).as(h).isEqualTo(Redactor.MASK);
        }
        assertThat(redactor.headerValue("Accept", "text/plain")).isEqualTo("text/plain");
    }

    @Test
    void jsonFieldsAreMaskedByNameAtAnyDepthAndByPath() {
        Redactor r = new Redactor(true, Redactor.Rules.defaults().withJsonFields(java.util.Set.of("$.user.pin")));
        String json = "{\"user\":{\"name\":\"me\",\"pin\":1234,\"Password\":\"pa55\"},\"accessToken\":\"a1\","
                + "\"items\":[{\"refresh_token\":\"r1\",\"id\":1},{\"refresh_token\":\"r2\",\"id\":2}],\"token_type\":\"Bearer\",\"pin\":5}";
        assertThat(r.body(json, "application/json; charset=utf-8")).isEqualTo("{\"user\":{\"name\":\"me\",\"pin\":\"REDACTED\","
                + "\"Password\":\"REDACTED\"},\"accessToken\":\"REDACTED\",\"items\":[{\"refresh_token\":\"REDACTED\",\"id\":1},"
                + "{\"refresh_token\":\"REDACTED\",\"id\":2}],\"token_type\":\"Bearer\",\"pin\":5}");
        assertThat(r.counts()).containsOnly(java.util.Map.entry("json:$.user.pin", 1L), java.util.Map.entry("json:$.user.Password", 1L),
                java.util.Map.entry("json:$.accessToken", 1L), java.util.Map.entry("json:$.items[].refresh_token", 2L));
        assertThat(r.body("{not json, password: x", "application/json")).as("kept as it is").isEqualTo("{not json, password: x");
        assertThat(r.body("password=x", "text/plain")).isEqualTo("password=x");
    }

    @Test
    void formFieldsAreMasked() {
        assertThat(redactor.body("grant_type=authorization_code&code=c0de&client_secret=s%3Dcr&username=me&password=p%26w",
                "application/x-www-form-urlencoded"))
                .isEqualTo("grant_type=authorization_code&code=REDACTED&client_secret=REDACTED&username=me&password=REDACTED");
    }

    @Test
    void theReportListsNamesAndCountsNeverValues() {
        redactor.headerValue("X-Token", "v4lue-one");
        redactor.url("https://a.test/?api_key=v4lue-two");
        redactor.body("{\"password\":\"v4lue-three\"}", "application/json");
        String report = redactor.report(true).toString();
        assertThat(report).contains("header:x-token=1").contains("query:api_key=1").contains("json:$.password=1")
                .contains("redactedValues=3").doesNotContain("v4lue");
        assertThat(new Redactor(false, Redactor.Rules.defaults()).url("https://a.test/?token=t")).isEqualTo("https://a.test/?token=t");
    }

    @Test
    void whatIsRedactedAlreadyIsNotCountedAgainAndNumbersStayAsWritten() {
        assertThat(redactor.headerValue("Authorization", Redactor.MASK)).isEqualTo(Redactor.MASK);
        assertThat(redactor.url("https://REDACTED@a.test/?token=REDACTED")).isEqualTo("https://REDACTED@a.test/?token=REDACTED");
        assertThat(redactor.body("{\"token\":\"REDACTED\"}", "application/json")).isEqualTo("{\"token\":\"REDACTED\"}");
        assertThat(redactor.counts()).isEmpty();
        assertThat(redactor.body("{\"price\":0.1000000000000000055511151231257827,\"n\":123456789012345678901234567890,\"secret\":1}",
                "application/json")).isEqualTo("{\"price\":0.1000000000000000055511151231257827,\"n\":123456789012345678901234567890,\"secret\":\"REDACTED\"}");
    }

    /** A body too big for a tree is redacted as a stream: it must mask what the tree redactor masks, and count it alike. */
    @Test
    void theStreamingJsonRedactorMasksWhatTheTreeRedactorMasks() {
        Redactor rules = new Redactor(true, Redactor.Rules.defaults().withJsonFields(Set.of("$.user.pin")));
        for (String json : List.of(
                "{\"user\":{\"pin\":1234,\"name\":\"ann\",\"password\":{\"v\":[1,2]}},\"n\":7}",
                "[{\"token\":\"t\"},[{\"access_token\":\"a\",\"ok\":[true,null]}],{\"password\":null,\"secret\":\"REDACTED\"}]",
                "{\"nothing\":\"here\",\"list\":[1,2,3]}")) {
            Redactor tree = new Redactor(true, rules.rules()), stream = new Redactor(true, rules.rules());
            String expected = tree.body(json, "application/json");
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            boolean changed = stream.jsonStream(new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)), out);
            assertThat(changed).as(json).isEqualTo(!expected.equals(json));
            if (changed) {
                assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).as(json).isEqualTo(expected);
            }
            assertThat(stream.counts()).as(json).isEqualTo(tree.counts());
        }
        assertThat(new Redactor(true, Redactor.Rules.defaults()).jsonStream(
                new java.io.ByteArrayInputStream("not json {".getBytes(java.nio.charset.StandardCharsets.UTF_8)), null)).isFalse();
    }

    /** A body is parsed only when a rule's name occurs in it; a name spelled with JSON escapes still is. */
    @Test
    void jsonBodiesWithoutACredentialNameAreKeptAsTheyAreAndEscapedNamesAreStillFound() {
        String plain = "{ \"id\": 42,  \"price\": 12.50, \"tags\": [\"a\"] }";
        assertThat(redactor.body(plain, "application/json")).isSameAs(plain);
        assertThat(redactor.body("{\"p\\u0061ssword\":\"hunter2\",\"n\":1}", "application/json"))
                .isEqualTo("{\"password\":\"REDACTED\",\"n\":1}");
        assertThat(redactor.body("{\"User\":{\"Refresh-Token\":\"r1\"}}", "application/json"))
                .isEqualTo("{\"User\":{\"Refresh-Token\":\"REDACTED\"}}");
        Redactor byPath = new Redactor(true, Redactor.Rules.defaults().withJsonFields(java.util.Set.of("$.user.pin")));
        assertThat(byPath.body("{\"user\":{\"pin\":\"1234\"}}", "application/json")).isEqualTo("{\"user\":{\"pin\":\"REDACTED\"}}");
    }

    /** Only object keys decide: a name as a value, or inside a string, is no field; spaces and escapes are read as JSON has them. */
    @Test
    void theBodyIsParsedForTheKeysItHoldsNotForTheWordsInItsValues() {
        String words = "{\"hint\":\"your password is not shown\",\"q\":\"token\",\"note\":\"\\\"password\\\": no\"}";
        assertThat(redactor.body(words, "application/json")).isSameAs(words);
        assertThat(redactor.body("{ \"id\" : 1 , \"password\"\n\t :\"x\" }", "application/json"))
                .isEqualTo("{\"id\":1,\"password\":\"REDACTED\"}");
        assertThat(redactor.body("[{\"a\":[{\"b\":{\"Client.Secret\":\"s\"}}]}]", "application/json"))
                .isEqualTo("[{\"a\":[{\"b\":{\"Client.Secret\":\"REDACTED\"}}]}]");
        assertThat(redactor.body("{\"say \\\"hi\\\"\":1,\"password\":\"x\"}", "application/json"))
                .as("a key with an escaped quote before the credential").isEqualTo("{\"say \\\"hi\\\"\":1,\"password\":\"REDACTED\"}");
        Redactor ownNames = new Redactor(true, Redactor.Rules.defaults().withJsonFields(java.util.Set.of("Geheim-Schlüssel", "Überweisung", "k")));
        assertThat(ownNames.body("{\"geheim_SCHLÜSSEL\":1,\"ÜBERweisung\":2,\"K\":3,\"kk\":4}", "application/json"))
                .as("names beyond ASCII, and one of one letter").isEqualTo("{\"geheim_SCHLÜSSEL\":\"REDACTED\",\"ÜBERweisung\":\"REDACTED\",\"K\":\"REDACTED\",\"kk\":4}");
        String open = "{\"password\":\"unterminated";
        assertThat(redactor.body(open, "application/json")).as("not JSON: kept as it is").isEqualTo(open);
    }
}
