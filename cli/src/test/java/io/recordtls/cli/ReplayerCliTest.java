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
        Path out = tmp.resolve("out"), err = tmp.resolve("err");
        Process p = new ProcessBuilder(cli(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
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
            assertThat(token).isEqualTo("{\"access_token\":\"t0k3n\",\"token_type\":\"Bearer\",\"n\":1}");
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
