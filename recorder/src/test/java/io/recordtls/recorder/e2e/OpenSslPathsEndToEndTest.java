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
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.recordtls.recorder.e2e.Recording.responseBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * OpenSSL reached other ways than through SSL_read/SSL_write on a socket: the SSL BIO
 * (openssl s_server -WWW), a libssl whose file was deleted after it was loaded (what
 * netty-tcnative does with its extracted copy), and memory BIOs (node), whose connections learn
 * their socket from the records written after each SSL_write.
 */
class OpenSslPathsEndToEndTest extends DemoServerTestBase {
    /**
     * s_server -WWW reads and writes through BIO_f_ssl, which calls OpenSSL's internal read and
     * write, never SSL_read/SSL_write: recorded by --pid with an unrecorded curl as the client.
     */
    @Test
    void sServerWwwIsRecordedThroughItsSslBio() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("www"));
        byte[] data = new byte[300_000];
        new Random(13).nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        Files.writeString(root.resolve("hello.txt"), "hello through the SSL BIO\n");
        Path cert = tmp.resolve("cert.pem"), key = tmp.resolve("key.pem");
        exec(root, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "1");
        Process sServer = new ProcessBuilder("openssl", "s_server", "-WWW", "-accept", "0", "-cert", cert.toString(),
                "-key", key.toString()).directory(root.toFile()).redirectErrorStream(true).start();
        try {
            int port = acceptedPort(sServer);
            String url = "https://127.0.0.1:" + port;
            Recording rec = record(RecorderOptions.defaults(), r -> {
                r.addProcess(sServer.pid());
                curlOutsideScope(cert, url + "/hello.txt");
                curlOutsideScope(cert, url + "/data.bin");
            });
            List<JsonNode> entries = rec.entries();
            assertThat(entries).as(rec.text()).hasSize(2);
            assertThat(entries).extracting(e -> e.at("/request/url").asText())
                    .containsExactly(url + "/hello.txt", url + "/data.bin");
            assertThat(entries).allSatisfy(e -> {
                assertThat(e.at("/_process").asText()).isEqualTo("openssl");
                assertThat(e.at("/_tlsLibrary").asText()).startsWith("libssl.so");
                assertThat(e.at("/response/status").asInt()).isEqualTo(200);
                assertThat(e.at("/serverIPAddress").asText()).isEqualTo("127.0.0.1");
                assertThat(e.has("_incomplete")).isFalse();
            });
            assertThat(responseBytes(entries.get(0))).isEqualTo("hello through the SSL BIO\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(responseBytes(entries.get(1))).as("byte-exact, each BIO call captured once").isEqualTo(data);
            assertThat(rec.summary().lossless()).isTrue();
        } finally {
            sServer.destroy();
            sServer.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A process that loaded a libssl file which was then deleted (netty-tcnative deletes the copy
     * it extracts): found through /proc/PID/map_files when recorded by --pid.
     */
    @Test
    void aLibsslDeletedAfterItWasLoadedIsStillRecorded() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        Path copy = lib.resolve("libssl.so.3");
        Files.copy(Path.of("/usr/lib/x86_64-linux-gnu/libssl.so.3"), copy);
        ProcessBuilder pb = new ProcessBuilder("python3", "-c", String.join("\n",
                "import ssl, sys, urllib.request",
                "ctx = ssl.create_default_context(cafile='" + ca + "')",
                "print('ready', flush=True)",
                "sys.stdin.readline()",
                "urllib.request.urlopen('" + base + "/json?deleted=1', context=ctx).read()",
                "print('done', flush=True)")).redirectErrorStream(true);
        pb.environment().put("LD_LIBRARY_PATH", lib.toString());
        Process client = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            String maps = Files.readString(Path.of("/proc/" + client.pid() + "/maps"));
            assertThat(maps).as("the client loaded the copy").contains(copy.toString());
            Files.delete(copy);
            assertThat(Files.readString(Path.of("/proc/" + client.pid() + "/maps"))).contains(copy + " (deleted)");
            Recording rec = record(RecorderOptions.defaults(), r -> {
                r.addProcess(client.pid());
                try (OutputStream in = client.getOutputStream()) {
                    in.write("go\n".getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                    assertThat(out.readLine()).isEqualTo("done");
                    assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            JsonNode e = rec.only();
            assertThat(e.at("/request/url").asText()).isEqualTo(base + "/json?deleted=1");
            assertThat(e.at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
            assertThat(e.at("/_tlsLibrary").asText()).as("the name it had, not '(deleted)'").isEqualTo("libssl.so.3");
            assertThat(rec.log().path("probedLibraries").toString()).as("attached through the mapping").contains("/map_files/");
        } finally {
            client.destroy();
            client.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** node's OpenSSL works on memory BIOs: the socket (and so serverIPAddress) comes from the records node writes. */
    @Test
    void nodeOnMemoryBiosGetsItsServerAddress() throws IOException {
        assumeTrue(Files.exists(Path.of("/usr/bin/node")) || System.getenv("CI") != null, "node is not installed");
        Recording rec = record("node", "-e", "const https=require('https'),fs=require('fs');"
                + "const agent=new https.Agent({keepAlive:true,ca:fs.readFileSync('" + ca + "')});"
                + "const get=(p,k)=>https.get('" + base + "'+p,{agent},r=>{r.resume();r.on('end',k)});"
                + "get('/json',()=>get('/hello',()=>agent.destroy()))");
        List<JsonNode> entries = rec.entries();
        assertThat(entries).as(rec.text()).hasSize(2);
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.at("/_tlsLibrary").asText()).isEqualTo("node");
            assertThat(e.at("/serverIPAddress").asText()).isEqualTo("127.0.0.1");
            assertThat(e.at("/request/url").asText()).startsWith(base + "/");
        });
        assertThat(entries.get(0).at("/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
    }

    /**
     * node as a server, recorded by --pid: its first response is written by SSL_write before the
     * socket write that tells the kernel the socket, so the exchange is complete before its
     * addresses are known; it must wait for them, not reach the HAR without them.
     */
    @Test
    void nodeAsAServerRecordedByPidHasAddressesOnEveryEntry() throws Exception {
        assumeTrue(Files.exists(Path.of("/usr/bin/node")) || System.getenv("CI") != null, "node is not installed");
        Process node = new ProcessBuilder("node", "-e", "const https=require('https'),fs=require('fs');"
                + "const s=https.createServer({pfx:fs.readFileSync('" + server.keyStore() + "'),passphrase:'"
                + DemoHttpsServer.KEYSTORE_PASSWORD + "'},(q,r)=>{r.setHeader('Content-Type','text/plain');r.end('node saw '+q.url)});"
                + "s.listen(0,'127.0.0.1',()=>console.log('PORT '+s.address().port))").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).as("node did not start").startsWith("PORT ");
            int port = Integer.parseInt(line.substring(5).trim());
            String nodeBase = "https://localhost:" + port;
            Recording rec = record(RecorderOptions.defaults(), r -> {
                r.addProcess(node.pid());
                try { // the client is not in scope: only the server is recorded
                    Process curl = new ProcessBuilder("curl", "-sS", "--cacert", ca, nodeBase + "/first", nodeBase + "/second")
                            .redirectErrorStream(true).start();
                    String said = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
                    assertThat(said).isEqualTo("node saw /firstnode saw /second");
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            List<JsonNode> entries = rec.entries();
            assertThat(entries).as(rec.text()).hasSize(2);
            assertThat(entries).extracting(e -> e.at("/response/content/text").asText()).containsExactly("node saw /first", "node saw /second");
            assertThat(entries).allSatisfy(e -> {
                assertThat(e.at("/_process").asText()).isEqualTo("node");
                assertThat(e.at("/serverIPAddress").asText()).as("addresses of %s", e.at("/request/url")).isEqualTo("127.0.0.1");
                assertThat(e.at("/request/url").asText()).startsWith(nodeBase + "/");
            });
        } finally {
            node.destroyForcibly();
        }
    }

    private static final Pattern ACCEPT = Pattern.compile("ACCEPT .*:(\\d+)");

    /** The port s_server says it listens on ("ACCEPT [::]:40159"). */
    private static int acceptedPort(Process sServer) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(sServer.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            Matcher m = ACCEPT.matcher(line);
            if (m.find()) {
                Thread.ofPlatform().daemon().start(() -> drain(out)); // s_server logs each request
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("openssl s_server ended without saying where it listens");
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // discard
            }
        } catch (IOException ignored) {
            // the server was stopped
        }
    }

    private static void curlOutsideScope(Path cacert, String url) {
        try {
            Process p = new ProcessBuilder("curl", "-sS", "--cacert", cacert.toString(), "-o", "/dev/null", url)
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("curl %s: %s", url, output).isZero();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void exec(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", List.of(command), output).isZero();
    }
}
