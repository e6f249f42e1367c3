package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.demo.DemoHttpsServer;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.recordtls.recorder.e2e.Recording.responseBytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * GnuTLS clients as Debian ships them (wget; git through libcurl-gnutls; gnutls-cli), recorded
 * through gnutls_record_send/recv: the HAR holds the exact bytes, with addresses, and names GnuTLS.
 */
class GnuTlsEndToEndTest extends DemoServerTestBase {
    private static void assertGnuTls(Recording rec, JsonNode e) {
        assertThat(e.at("/_process").asText()).isEqualTo("wget");
        assertThat(e.at("/_tlsLibrary").asText()).startsWith("libgnutls.so");
        assertThat(e.at("/serverIPAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(e.at("/connection").asText()).isNotEmpty();
        assertThat(e.has("_incomplete")).as("incomplete: %s", e.path("_incomplete")).isFalse();
        // the stacks this run's connections went through: GnuTLS only, though libssl is probed too
        assertThat(rec.log().path("tlsLibraries")).hasSize(1);
        assertThat(rec.log().path("tlsLibraries").get(0).asText()).isEqualTo("libgnutls.so.30");
        assertThat(rec.summary().lossless()).isTrue();
        assertThat(rec.summary().describe()).doesNotContain("does not probe");
    }

    @Test
    void wgetGetOfABinaryBodyIsRecordedByteExact() throws IOException {
        Path body = tmp.resolve("body.bin");
        Recording rec = record("wget", "-q", "--ca-certificate=" + ca, "-O", body.toString(), base + "/bytes?n=300000&seed=13");
        JsonNode e = rec.only();
        assertThat(e.at("/request/method").asText()).isEqualTo("GET");
        assertThat(e.at("/request/url").asText()).isEqualTo(base + "/bytes?n=300000&seed=13");
        assertThat(Recording.header(e.path("request"), "User-Agent")).startsWith("Wget/");
        assertThat(e.at("/response/status").asInt()).isEqualTo(200);
        byte[] recorded = responseBytes(e);
        assertThat(recorded).hasSize(300_000).isEqualTo(Files.readAllBytes(body)).isEqualTo(DemoHttpsServer.bytes(300_000, 13));
        assertGnuTls(rec, e);
    }

    @Test
    void wgetPostOfAFewHundredKilobytesIsRecordedByteExact() throws IOException {
        byte[] upload = new byte[400_000];
        new Random(42).nextBytes(upload);
        Path file = tmp.resolve("upload.bin");
        Files.write(file, upload);
        Recording rec = record("wget", "-q", "--ca-certificate=" + ca, "-O", "/dev/null", "--header=Content-Type: application/octet-stream",
                "--post-file=" + file, base + "/echo");
        JsonNode e = rec.only();
        assertThat(e.at("/request/method").asText()).isEqualTo("POST");
        JsonNode post = e.at("/request/postData");
        assertThat(post.path("_encoding").asText()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(post.path("text").asText())).isEqualTo(upload);
        assertThat(responseBytes(e)).isEqualTo(upload); // /echo sends it back
        assertGnuTls(rec, e);
    }

    /** git ls-remote over HTTPS: git-remote-https (a child of git) talks smart HTTP through libcurl-gnutls. */
    @Test
    void gitLsRemoteAgainstARealGitHttpBackendIsRecorded() throws Exception {
        Path root = tmp.resolve("git");
        Path work = root.resolve("work");
        git(root, "init", "-q", "-b", "main", work.toString());
        git(work, "-c", "user.name=recordtls", "-c", "user.email=recordtls@example.com", "commit", "-q", "--allow-empty", "-m", "first");
        git(root, "clone", "-q", "--bare", work.toString(), root.resolve("repo.git").toString());
        String head = git(work, "rev-parse", "HEAD").strip();

        try (GitSmartHttpServer gitServer = GitSmartHttpServer.start(server.sslContext(), root)) {
            String url = gitServer.baseUrl() + "/repo.git";
            Path out = tmp.resolve("ls-remote.out");
            Recording rec = record(RecorderOptions.defaults(), r -> {
                try {
                    Process p = r.launch(List.of("git", "ls-remote", url), pb -> {
                        pb.environment().put("GIT_SSL_CAINFO", ca);
                        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
                        pb.redirectErrorStream(true).redirectOutput(out.toFile());
                    });
                    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                    assertThat(p.exitValue()).as("git ls-remote: %s", Files.readString(out)).isZero();
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(Files.readString(out)).contains(head + "\trefs/heads/main");

            List<JsonNode> entries = rec.entries();
            assertThat(entries).hasSameSizeAs(gitServer.exchanges).isNotEmpty();
            for (int i = 0; i < entries.size(); i++) {
                JsonNode e = entries.get(i);
                GitSmartHttpServer.Exchange x = gitServer.exchanges.get(i);
                assertThat(e.at("/request/method").asText()).isEqualTo(x.method());
                assertThat(e.at("/request/url").asText()).isEqualTo(gitServer.baseUrl() + x.uri());
                assertThat(e.at("/response/status").asInt()).isEqualTo(x.status());
                assertThat(responseBytes(e)).as("response of %s", x.uri()).isEqualTo(x.responseBody());
                if (x.requestBody().length > 0) {
                    JsonNode post = e.at("/request/postData");
                    byte[] sent = "base64".equals(post.path("_encoding").asText())
                            ? Base64.getDecoder().decode(post.path("text").asText())
                            : post.path("text").asText().getBytes(StandardCharsets.UTF_8);
                    assertThat(sent).as("request body of %s", x.uri()).isEqualTo(x.requestBody());
                }
                assertThat(e.at("/_process").asText()).isEqualTo("git-remote-https");
                assertThat(e.at("/_tlsLibrary").asText()).startsWith("libgnutls.so");
                assertThat(e.at("/serverIPAddress").asText()).isEqualTo("127.0.0.1");
                assertThat(e.has("_incomplete")).as("incomplete: %s", e.path("_incomplete")).isFalse();
            }
            assertThat(entries.getFirst().at("/request/url").asText()).isEqualTo(url + "/info/refs?service=git-upload-pack");
        }
    }

    /** gnutls-cli finished its handshake before the recording started; what it sends from then on is recorded. */
    @Test
    void aRunningGnuTlsProcessIsRecordedByPid() throws Exception {
        Process cli = new ProcessBuilder("gnutls-cli", "--x509cafile=" + ca, "--port=" + server.port(), "127.0.0.1")
                .redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(cli.getInputStream(), StandardCharsets.ISO_8859_1));
            StringBuilder seen = new StringBuilder();
            for (String line; (line = lines.readLine()) != null && !line.contains("Handshake was completed"); ) {
                seen.append(line).append('\n');
            }
            assertThat(cli.isAlive()).as("gnutls-cli did not connect:%n%s", seen).isTrue();
            Recording rec = record(RecorderOptions.defaults(), r -> {
                r.addProcess(cli.pid());
                try (OutputStream in = cli.getOutputStream()) {
                    in.write(("GET /json?by=pid HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                    StringBuilder response = new StringBuilder();
                    for (String line; (line = lines.readLine()) != null; ) {
                        response.append(line).append('\n');
                    }
                    assertThat(response).contains(DemoHttpsServer.JSON);
                    assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            JsonNode e = rec.only();
            assertThat(e.at("/request/url").asText()).isEqualTo("https://127.0.0.1:" + server.port() + "/json?by=pid"); // from the Host header sent
            assertThat(e.at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
            assertThat(e.at("/_process").asText()).isEqualTo("gnutls-cli");
            assertThat(e.at("/_tlsLibrary").asText()).startsWith("libgnutls.so");
            assertThat(e.at("/serverIPAddress").asText()).isEqualTo("127.0.0.1");
            assertThat(e.has("_incomplete")).as("incomplete: %s", e.path("_incomplete")).isFalse();
        } finally {
            cli.destroyForcibly();
        }
    }

    /** Runs git and returns what it printed; fails with its output if it fails. */
    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> cmd = new java.util.ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as("%s: %s", cmd, out).isTrue();
        return out;
    }
}
