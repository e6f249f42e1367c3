package io.recordtls.cli;

import io.recordtls.recorder.bpf.LibC;
import io.recordtls.recorder.e2e.BpfRequirement;
import io.recordtls.recorder.e2e.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** recordtls stubs and recordtls replay as a user runs them: a separate JVM, exit codes, output. */
class ReplayerCliTest {
    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {}

    static List<String> cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.recordtls.cli.RecordTlsCli"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    Result run(String... args) throws Exception {
        return run(cli(args), 60);
    }

    Result run(List<String> command, int timeoutSeconds) throws Exception {
        Path out = tmp.resolve("out"), err = tmp.resolve("err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    static String okEntry(String path, String body) {
        return "{\"request\":{\"method\":\"GET\",\"url\":\"https://a.test" + path + "\",\"headers\":[]},"
                + "\"response\":{\"status\":200,\"headers\":[],\"content\":{\"mimeType\":\"text/plain\",\"text\":\"" + body + "\"}}}";
    }

    @Test
    void entriesThatAreNoObjectsOrNestTooDeepAreSkippedAloneAndTheExitCodeSaysSo() throws Exception {
        Path har = tmp.resolve("hostile.har");
        Files.writeString(har, "{\"log\":{\"version\":\"1.2\",\"entries\":[" + okEntry("/1", "one") + ",null," + okEntry("/3", "three") + ","
                + okEntry("/4", "four") + ",{\"_x\":" + "[".repeat(3000) + "]".repeat(3000) + "}," + okEntry("/6", "six") + "]}}");
        Result r = run("stubs", har.toString(), "-o", tmp.resolve("o").toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains(har + ": entry 1: not an object but null").contains(har + ": entry 4: nested deeper than")
                .contains("2 entries skipped").doesNotContain("Exception");
        assertThat(r.out()).contains("4 stub mappings");
        try (var files = Files.list(tmp.resolve("o/mappings"))) {
            assertThat(files.count()).isEqualTo(4);
        }
    }

    @Test
    void stubsNeverWritesOutsideItsOutputDirectory() throws Exception {
        Path har = tmp.resolve("evil.har");
        StringBuilder entries = new StringBuilder();
        for (String method : List.of("/some/path", "..", "../../escape", "/tmp/abs", "X".repeat(3000), "\u0413\u0415\u0422")) {
            entries.append(okEntry("/x", "y").replace("\"GET\"", "\"" + method + "\"")).append(',');
        }
        entries.append(okEntry("/" + "%2e%2e/".repeat(30) + "p".repeat(3000), "long")).append(',').append(okEntry("/\u043f\u0443\u0442\u044c", "unicode"));
        Files.writeString(har, "{\"log\":{\"version\":\"1.2\",\"entries\":[" + entries + "]}}");
        Path out = Files.createDirectories(tmp.resolve("a/b/out"));
        Result r = run("stubs", har.toString(), "-o", out.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("entry 0: request.method is not an HTTP method: \"/some/path\"").contains("6 entries skipped")
                .doesNotContain("Exception");
        try (var all = Files.walk(tmp)) {
            assertThat(all.filter(Files::isRegularFile).map(f -> tmp.relativize(f).toString())
                    .filter(f -> !f.equals("evil.har") && !f.equals("out") && !f.equals("err")).toList())
                    .hasSize(2).allSatisfy(f -> assertThat(f).matches("a/b/out/mappings/get-a-test-443-[a-z0-9-]{1,70}-[0-9a-f]{8}\\.json"));
        }
    }

    @Test
    void stubsRedactCredentialsByTheSameRulesAsTheRecorderAndSayWhich() throws Exception {
        Path har = tmp.resolve("devtools.har");
        Files.writeString(har, "{\"log\":{\"version\":\"1.2\",\"entries\":[" + okEntry("/a?access_token=t0k-hush&lang=en&pin=1234", "x")
                .replace("\"headers\":[]}", "\"headers\":[{\"name\":\"X-Token\",\"value\":\"h3ader-hush\"}]}") + "]}}");
        Result r = run("stubs", har.toString(), "-o", tmp.resolve("o").toString(), "--redact-param", "pin");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("redacted in the stubs (--no-redact keeps them): header:x-token, query:access_token, query:pin").doesNotContain("hush");
        try (var files = Files.list(tmp.resolve("o/mappings"))) {
            assertThat(Files.readString(files.findFirst().orElseThrow())).doesNotContain("t0k-hush").doesNotContain("1234").contains("lang");
        }
        Result kept = run("stubs", har.toString(), "-o", tmp.resolve("kept").toString(), "--no-redact");
        assertThat(kept.err()).doesNotContain("redacted");
        try (var files = Files.list(tmp.resolve("kept/mappings"))) {
            assertThat(Files.readString(files.findFirst().orElseThrow())).contains("t0k-hush");
        }
    }

    @Test
    void aTruncatedBodyIsSaidAndMarked() throws Exception {
        Path har = tmp.resolve("cut.har");
        Files.writeString(har, "{\"log\":{\"version\":\"1.2\",\"entries\":[" + okEntry("/cut", "the beginn")
                .replace("\"text\":", "\"_truncated\":{\"size\":100,\"kept\":10},\"text\":") + "]}}");
        Result r = run("stubs", har.toString(), "-o", tmp.resolve("o").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("note: " + har + ": entry 0 (GET https://a.test/cut) has a truncated response body");
        try (var files = Files.list(tmp.resolve("o/mappings"))) {
            assertThat(Files.readString(files.findFirst().orElseThrow())).contains("\"truncated\" : [ \"response\" ]");
        }
    }

    /**
     * A HAR of many big bodies, larger than the whole heap the CLI is given: converted an entry
     * at a time, every stub written, no OutOfMemoryError.
     */
    @Test
    void stubsConvertsAHarLargerThanItsHeap() throws Exception {
        Path har = tmp.resolve("big.har");
        int entries = 100, textBody = 1 << 20;
        try (var w = Files.newBufferedWriter(har)) {
            w.write("{\"log\":{\"version\":\"1.2\",\"entries\":[");
            for (int i = 0; i < entries; i++) {
                w.write("{\"request\":{\"method\":\"GET\",\"url\":\"https://big.test/doc/" + i + "\",\"headers\":[]},"
                        + "\"response\":{\"status\":200,\"headers\":[],\"content\":{\"mimeType\":\"text/plain\",\"text\":\"");
                String line = "line of document " + i + "\\n";
                for (int n = 0; n < textBody; n += line.length()) {
                    w.write(line);
                }
                w.write("\"}}},");
            }
            byte[] blob = new byte[4 << 20];
            new java.util.Random(1).nextBytes(blob);
            w.write("{\"request\":{\"method\":\"GET\",\"url\":\"https://big.test/blob\",\"headers\":[]},"
                    + "\"response\":{\"status\":200,\"headers\":[],\"content\":{\"mimeType\":\"application/octet-stream\","
                    + "\"encoding\":\"base64\",\"text\":\"" + java.util.Base64.getEncoder().encodeToString(blob) + "\"}}}]}}");
        }
        long heap = 64L << 20;
        assertThat(Files.size(har)).isGreaterThan(heap);
        List<String> command = cli("stubs", har.toString(), "-o", tmp.resolve("o").toString());
        command.add(1, "-Xmx" + heap);
        Result r = run(command, 300);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("Error");
        assertThat(r.out()).contains((entries + 1) + " stub mappings and " + (entries + 1) + " body files");
        assertThat(Files.size(tmp.resolve("o/__files").resolve(Files.list(tmp.resolve("o/__files"))
                .filter(f -> f.getFileName().toString().startsWith("get-big-test-443-blob-")).findFirst().orElseThrow().getFileName())))
                .isEqualTo(4 << 20);
    }

    @Test
    void stubsConvertsWhatItCanAndListsTheRestByEntry() throws Exception {
        Path bad = tmp.resolve("bad.har");
        Files.writeString(bad, "{\"log\":{\"version\":\"1.2\",\"entries\":["
                + "{\"request\":{\"method\":\"GET\",\"url\":\"https://a.test/ok\",\"headers\":[]},"
                + "\"response\":{\"status\":200,\"headers\":[],\"content\":{\"mimeType\":\"text/plain\",\"text\":\"fine\"}}},"
                + "{\"request\":{\"method\":\"GET\",\"url\":\"https://a.test/x\"}}]}}");
        Result r = run("stubs", bad.toString(), "../replayer/src/test/resources/har/mitmproxy.har", "-o", tmp.resolve("out-stubs").toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains(bad + ": entry 1: no response").doesNotContain("Exception");
        assertThat(r.out()).contains("3 stub mappings and 1 body file in " + tmp.resolve("out-stubs"));
        try (var files = Files.list(tmp.resolve("out-stubs/mappings"))) {
            assertThat(files.count()).isEqualTo(3);
        }
    }

    @Test
    void stubsOnSomethingThatIsNoHarFailsClearly() throws Exception {
        Path notHar = tmp.resolve("x.har");
        Files.writeString(notHar, "{\"log\":{\"entries\":[{\"request\":");
        Result r = run("stubs", notHar.toString(), "-o", tmp.resolve("o").toString());
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err()).contains("malformed or truncated JSON").contains("nothing to convert").doesNotContain("Exception");
        assertThat(run("stubs", tmp.resolve("missing.har").toString(), "-o", "o").err()).contains("missing.har: no such file");
        assertThat(run("stubs").exit()).isEqualTo(2);
    }

    @Test
    void replayPrintsOneReadyLineServesAndStopsOnSigterm() throws Exception {
        Path dir = tmp.resolve("stubs");
        assertThat(run("stubs", "../replayer/src/test/resources/har/mitmproxy.har", "-o", dir.toString()).exit()).isZero();
        Process p = new ProcessBuilder(cli("replay", dir.toString())).redirectError(tmp.resolve("replay.err").toFile()).start();
        try {
            String ready = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            Matcher m = Pattern.compile("recordtls replay: ready http://127\\.0\\.0\\.1:(\\d+) https://127\\.0\\.0\\.1:(\\d+) stubs=2 ca=(\\S+)").matcher(ready);
            assertThat(m.matches()).as(ready).isTrue();
            String https = m.group(2), ca = m.group(3);
            String token = Recording.curl("--cacert", ca, "--connect-to", "auth.example.org:8443:127.0.0.1:" + https,
                    "-d", "grant_type=client_credentials&scope=read", "https://auth.example.org:8443/oauth/token");
            assertThat(token).as("the token is redacted in the stubs too").isEqualTo("{\"access_token\":\"REDACTED\",\"token_type\":\"Bearer\",\"n\":1}");
            String miss = Recording.curl("--cacert", ca, "--connect-to", "auth.example.org:8443:127.0.0.1:" + https,
                    "https://auth.example.org:8443/download/other.bin");
            assertThat(miss).contains("Request was not matched").contains("/download/report.bin");
            LibC.kill(p.pid(), LibC.SIGTERM);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("an unmatched request was seen").isEqualTo(1);
            String err = Files.readString(tmp.resolve("replay.err"));
            assertThat(err).contains("unmatched: GET https://auth.example.org:8443/download/other.bin, closest recorded: GET https://auth.example.org:8443/download/report.bin")
                    .contains("stopped; 1 unmatched request, 1 of 2 stubs never used");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void replayOfADirectoryWithoutStubsSaysHowToMakeThem() throws Exception {
        Result r = run("replay", tmp.toString());
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err()).contains("has no mappings/ directory: make one with 'recordtls stubs FILE.har -o");
    }
}
