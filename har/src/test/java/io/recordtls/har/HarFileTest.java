package io.recordtls.har;

import io.recordtls.har.HarFile;
import io.recordtls.har.RecordedExchange;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class HarFileTest {
    static HarFile.Contents read(String json) throws IOException {
        return HarFile.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test.har");
    }

    static String entry(String method, String url, int status, String body) {
        return "{\"request\":{\"method\":\"" + method + "\",\"url\":\"" + url + "\",\"headers\":[]},"
                + "\"response\":{\"status\":" + status + ",\"headers\":[],\"content\":{\"mimeType\":\"text/plain\",\"text\":\"" + body + "\"}}}";
    }

    @Test
    void chromeDevToolsExportIsRead() throws IOException {
        HarFile.Contents c = HarFile.read(Path.of("src/test/resources/har/chrome-devtools.har"));
        assertThat(c.problems()).isEmpty();
        assertThat(c.exchanges()).hasSize(3);
        RecordedExchange cart = c.exchanges().get(0);
        assertThat(cart.url().getHost()).isEqualTo("shop.example.com");
        assertThat(cart.port()).isEqualTo(443);
        assertThat(cart.requestHeaders()).as("pseudo-headers are not headers").noneMatch(h -> h.name().startsWith(":"));
        assertThat(c.exchanges().get(1).responseBody()).startsWith(0x89, 'P', 'N', 'G');
        assertThat(new String(c.exchanges().get(2).requestBody(), StandardCharsets.UTF_8)).isEqualTo("{\"sku\":\"B2\",\"qty\":1}");
    }

    @Test
    void mitmproxyExportIsRead() throws IOException {
        HarFile.Contents c = HarFile.read(Path.of("src/test/resources/har/mitmproxy.har"));
        assertThat(c.problems()).isEmpty();
        assertThat(c.exchanges()).extracting(RecordedExchange::port).containsExactly(8443, 8443);
        assertThat(c.exchanges().get(1).responseBody()).containsExactly(0, 1, 2, 3, 0xfe, 0xff);
    }

    @Test
    void aTruncatedFileKeepsEveryEntryBeforeTheCut() throws IOException {
        String json = "{\"log\":{\"version\":\"1.2\",\"entries\":[" + entry("GET", "https://a.test/1", 200, "one") + ","
                + entry("GET", "https://a.test/2", 200, "two") + ",{\"request\":{\"method\":\"GE";
        HarFile.Contents c = read(json);
        assertThat(c.exchanges()).hasSize(2);
        assertThat(c.problems()).singleElement().satisfies(p -> {
            assertThat(p.entry()).isEqualTo(-1);
            assertThat(p.message()).contains("malformed or truncated JSON at line 1").contains("after 2 entries");
        });
    }

    @Test
    void badEntriesAreReportedByIndexAndTheOthersKept() throws IOException {
        String json = "{\"log\":{\"version\":\"1.2\",\"entries\":["
                + entry("GET", "https://a.test/ok", 200, "fine") + ","
                + "{\"request\":{\"method\":\"GET\",\"url\":\"https://a.test/x\"}},"
                + "{\"request\":{\"method\":\"GET\",\"url\":\"https://a.test/y\"},\"response\":{\"status\":200,\"content\":{\"text\":\"%%%\",\"encoding\":\"base64\"}}},"
                + entry("GET", "/relative", 200, "") + ","
                + entry("GET", "https://a.test/failed", 0, "") + ","
                + entry("DELETE", "https://a.test/ok2", 204, "")
                + "]}}";
        HarFile.Contents c = read(json);
        assertThat(c.exchanges()).extracting(x -> x.url().getPath()).containsExactly("/ok", "/ok2");
        assertThat(c.problems()).extracting(p -> p.entry() + ": " + p.message()).containsExactly(
                "1: no response",
                "2: response.content.text is not valid base64: Illegal base64 character 25",
                "3: request.url is not an absolute http(s) URL: \"/relative\"",
                "4: no response was received (status 0)");
        assertThat(c.problems().get(0).toString()).isEqualTo("test.har: entry 1: no response");
    }

    @Test
    void anEntryThatDoesNotFitTheModelIsReportedWhereAndTheOthersKept() throws IOException {
        String json = "{\"log\":{\"version\":\"1.2\",\"entries\":["
                + "{\"request\":{\"method\":\"GET\",\"url\":\"https://a.test/h\",\"headers\":{\"Accept\":\"*/*\"}},\"response\":{\"status\":200}},"
                + "{\"startedDateTime\":\"yesterday\",\"time\":12.5,\"timings\":\"n/a\",\"_priority\":\"High\",\"request\":{\"method\":\"get\",\"url\":\"https://a.test/ok\",\"cookies\":\"none\","
                + "\"headers\":[{\"name\":\":authority\",\"value\":\"a.test\"},{\"name\":\"Accept\",\"value\":\"*/*\"}]},"
                + "\"response\":{\"status\":200,\"headers\":[],\"content\":{\"text\":\"fine\"}}}"
                + "]}}";
        HarFile.Contents c = read(json);
        assertThat(c.problems()).singleElement().satisfies(p -> {
            assertThat(p.entry()).isZero();
            assertThat(p.message()).startsWith("not a HAR 1.2 entry: ").contains("headers");
        });
        // what other tools get wrong or add (a date that is none, a fractional time, timings and cookies that are no
        // objects, their own fields) is no problem: no exchange is made of them
        assertThat(c.exchanges()).singleElement().satisfies(x -> {
            assertThat(x.method()).isEqualTo("GET");
            assertThat(x.requestHeaders()).extracting(h -> h.name()).containsExactly("Accept");
            assertThat(new String(x.responseBody(), StandardCharsets.UTF_8)).isEqualTo("fine");
        });
    }

    @Test
    void anUnknownVersionIsSaidAndTheEntriesStillRead() throws IOException {
        HarFile.Contents c = read("{\"log\":{\"version\":\"7.0\",\"entries\":[" + entry("GET", "https://a.test/", 200, "x") + "]}}");
        assertThat(c.exchanges()).hasSize(1);
        assertThat(c.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("unknown HAR version \"7.0\""));
    }

    @Test
    void somethingThatIsNoHarSaysSo() throws IOException {
        assertThat(read("[1,2,3]").problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("not a HAR file"));
        assertThat(read("{\"foo\":1}").problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("no \"log\" object"));
        assertThat(read("{\"log\":{\"version\":\"1.2\"}}").problems()).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("no \"entries\" array"));
    }

    @Test
    void entriesThatAreNoObjectsAreReportedByIndexAndTheRestRead() throws IOException {
        HarFile.Contents c = read("{\"log\":{\"version\":\"1.2\",\"entries\":[" + entry("GET", "https://a.test/1", 200, "one")
                + ",null," + entry("GET", "https://a.test/3", 200, "three") + ",[1,[2]],\"x\",7,"
                + entry("GET", "https://a.test/7", 200, "seven") + "]}}");
        assertThat(c.exchanges()).extracting(x -> x.url().getPath()).containsExactly("/1", "/3", "/7");
        assertThat(c.exchanges()).extracting(RecordedExchange::index).containsExactly(0, 2, 6);
        assertThat(c.problems()).extracting(p -> p.entry() + ": " + p.message()).containsExactly(
                "1: not an object but null", "3: not an object but an array", "4: not an object but a string", "5: not an object but a number");
    }

    @Test
    void anEntryNestedDeeperThanJacksonAllowsCostsOnlyThatEntry() throws IOException {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        String deepObjects = "{\"a\":".repeat(3000) + "1" + "}".repeat(3000);
        HarFile.Contents c = read("{\"log\":{\"version\":\"1.2\",\"entries\":[" + entry("GET", "https://a.test/1", 200, "one")
                + ",{\"_x\":" + deep + "," + entry("GET", "https://a.test/2", 200, "two").substring(1)
                + ",{\"request\":" + deepObjects + "}," + entry("GET", "https://a.test/4", 200, "four") + "]}}");
        assertThat(c.exchanges()).extracting(x -> x.url().getPath()).containsExactly("/1", "/4");
        assertThat(c.problems()).extracting(p -> p.entry() + ": " + p.message()).containsExactly(
                "1: nested deeper than " + HarFile.MAX_ENTRY_DEPTH + " levels", "2: nested deeper than " + HarFile.MAX_ENTRY_DEPTH + " levels");
    }

    @Test
    void aMethodThatIsNoHttpTokenIsRefused() throws IOException {
        HarFile.Contents c = read("{\"log\":{\"version\":\"1.2\",\"entries\":[" + entry("/some/path", "https://a.test/1", 200, "x") + ","
                + entry("..", "https://a.test/2", 200, "x") + "," + entry("G\\u001b[31mET", "https://a.test/3", 200, "x") + ","
                + entry("PROPFIND", "https://a.test/4", 207, "x") + "]}}");
        assertThat(c.exchanges()).extracting(RecordedExchange::method).containsExactly("PROPFIND");
        assertThat(c.problems()).extracting(p -> p.entry() + ": " + p.message()).containsExactly(
                "0: request.method is not an HTTP method: \"/some/path\"", "1: request.method is not an HTTP method: \"..\"",
                "2: request.method is not an HTTP method: \"G?[31mET\"");
    }

    @Test
    void truncatedBodiesAreKnownAsSuch() throws IOException {
        String truncated = "{\"request\":{\"method\":\"POST\",\"url\":\"https://a.test/up\",\"headers\":[],"
                + "\"postData\":{\"mimeType\":\"text/plain\",\"text\":\"abc\",\"_truncated\":{\"size\":10,\"kept\":3}}},"
                + "\"response\":{\"status\":200,\"headers\":[],\"content\":{\"mimeType\":\"text/plain\",\"text\":\"par\",\"_truncated\":true}}}";
        HarFile.Contents c = read("{\"log\":{\"version\":\"1.2\",\"entries\":[" + truncated + "," + entry("GET", "https://a.test/", 200, "x") + "]}}");
        assertThat(c.exchanges()).extracting(RecordedExchange::truncated).containsExactly(java.util.List.of("request", "response"), java.util.List.of());
    }

    /** Found by HarFileFuzzTest: bytes Jackson takes for UTF-32 threw an IOException out of the reader. */
    @Test
    void bytesThatAreNoTextAreReportedNotThrown() throws IOException {
        byte[] utf32ish = {0, 0, 0, '{', 0x0a, 0x1f, 0x20, 0x22, 0, 0, 0, '}'};
        HarFile.Contents c = HarFile.read(new ByteArrayInputStream(utf32ish), "bin.har");
        assertThat(c.exchanges()).isEmpty();
        assertThat(c.problems()).singleElement().satisfies(p -> assertThat(p.message()).startsWith("not JSON text"));
    }

    /** Found by HarFileFuzzTest: a version that is no string threw a NullPointerException. */
    @Test
    void aVersionThatIsNoStringIsReportedAndTheEntriesRead() throws IOException {
        HarFile.Contents c = read("{\"log\":{\"version\":{\"name\":\"x\"},\"entries\":[" + entry("GET", "https://a.test/", 200, "x") + "]}}");
        assertThat(c.exchanges()).hasSize(1);
        assertThat(c.problems()).singleElement().satisfies(p -> assertThat(p.message()).isEqualTo("\"log.version\" is not a string: entries read as HAR 1.2"));
        assertThat(read("{\"log\":{\"version\":null,\"entries\":[]}}").problems()).hasSize(1);
    }
}
