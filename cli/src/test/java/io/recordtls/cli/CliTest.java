package io.recordtls.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.bpf.LibC;
import io.recordtls.recorder.e2e.BpfRequirement;
import io.recordtls.recorder.e2e.ContainerRequirement;
import io.recordtls.recorder.e2e.TestResources;
import io.recordtls.recorder.demo.DemoHttpsServer;
import io.recordtls.har.HarJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI as a user runs it: a separate JVM, exit codes, what it prints, signals. */
class CliTest {
    static DemoHttpsServer server;

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {}

    @BeforeAll
    static void startServer() throws IOException {
        server = DemoHttpsServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    static List<String> cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.recordtls.cli.RecordTlsCli"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    Result run(List<String> cmd) throws Exception {
        Path out = tmp.resolve("stdout"), err = tmp.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /**
     * A container command that waits for the test's go-ahead (a file in the directory mounted at
     * /go) before it runs {@code command}: how long the recorder takes to start under load is
     * nothing a sleep can guess (a container that ended first was "ended before the recording began").
     */
    static String afterGo(String command) {
        return "until [ -e /go/go ]; do sleep 0.05; done; " + command;
    }

    /** Runs a recording of a container started with {@link #afterGo}, and gives it the go once the recording has begun. */
    Result recordThenGo(List<String> cmd, Path goDir) throws Exception {
        return recordUntil(cmd, () -> Files.createFile(goDir.resolve("go")));
    }

    interface Step {
        void run() throws Exception;
    }

    /** Runs a recording that ends by itself (its container ends), doing {@code onceRecording} as soon as the recording has begun. */
    Result recordUntil(List<String> cmd, Step onceRecording) throws Exception {
        Path out = tmp.resolve("stdout"), err = tmp.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (p.isAlive() && !Files.readString(err).contains("recordtls: recording ")) {
                assertThat(System.nanoTime()).as("the recording did not begin: %s", Files.readString(err)).isLessThan(deadline);
                Thread.sleep(50);
            }
            if (p.isAlive()) {
                onceRecording.run();
            }
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(Files.readString(err)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void usageErrorsExitWith2AndSayWhy() throws Exception {
        Result r = run(cli("record"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("give a COMMAND (after --), or --pid / --container");
        assertThat(run(cli("record", "--max-body", "lots", "--", "true")).err()).contains("not a size: lots");
    }

    /** A container of the test image on the host network, started detached: its id. */
    static String startContainer(String... dockerRunArgsAndCommand) throws Exception {
        String image = ContainerRequirement.image();
        List<String> cmd = new ArrayList<>(List.of("docker", "run", "-d", "--rm", "--network", "host",
                "-v", server.caCertificate() + ":/ca.pem:ro", "-e", "SSL_CERT_FILE=/ca.pem", "-e", "NODE_EXTRA_CA_CERTS=/ca.pem"));
        int at = List.of(dockerRunArgsAndCommand).indexOf("IMAGE");
        cmd.addAll(List.of(dockerRunArgsAndCommand).subList(0, at));
        cmd.add(image);
        cmd.addAll(List.of(dockerRunArgsAndCommand).subList(at + 1, dockerRunArgsAndCommand.length));
        Process docker = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String id = new String(docker.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(docker.waitFor(60, TimeUnit.SECONDS) && docker.exitValue() == 0).as("docker run: %s", id).isTrue();
        return id;
    }

    /** A running container, by the short id docker ps shows, until it ends: what a user does outside JUnit. */
    @Test
    void recordsARunningContainerUntilItEnds() throws Exception {
        BpfRequirement.check();
        Path go = Files.createDirectory(tmp.resolve("go"));
        String id = startContainer("-v", go + ":/go:ro", "IMAGE", "sh", "-c",
                afterGo("exec python3 -c \"import urllib.request; urllib.request.urlopen('" + server.baseUrl() + "/json').read()\""));
        Path har = tmp.resolve("container.har");

        Result r = recordThenGo(cli("record", "--container", id.substring(0, 12), "-o", har.toString()), go);

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("recording container " + id.substring(0, 12)).contains("recorded 1 exchange");
        JsonNode entry = HarJson.mapper().readTree(har.toFile()).path("log").path("entries").path(0);
        assertThat(entry.path("request").path("url").asText()).endsWith("/json");
        assertThat(entry.path("_process").asText()).isEqualTo("python3");
        assertThat(entry.path("_container").asText()).isEqualTo(id);
        assertThat(run(cli("record", "--container", "123")).err()).contains("not a container id");
    }

    /**
     * A JVM already running in a container (the test's JDK bind-mounted, as a JDK image would have
     * it): --container finds it, copies the probe into the container's /tmp, attaches it as the
     * JVM's user and in its namespaces, and records what it sends from then on.
     */
    @Test
    void recordsAJvmAlreadyRunningInAContainerByAttach() throws Exception {
        BpfRequirement.check();
        Path client = TestResources.copy(TestResources.JDK_TLS_CLIENT);
        Path go = Files.createDirectory(tmp.resolve("go"));
        // it sends until told to stop: how long the recorder takes to attach under load is nothing a count can guess
        String id = startContainer("-v", System.getProperty("java.home") + ":/opt/jdk:ro", "-v", client + ":/srv/JdkTlsClient.java:ro",
                "-v", go + ":/go:ro", "IMAGE", "/opt/jdk/bin/java", "/srv/JdkTlsClient.java", "loop", "/ca.pem", server.baseUrl() + "/json",
                "100000", "200", "/go/stop");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!dockerLogs(id).contains("ready")) { // the JVM runs: what follows is an attach
            assertThat(System.nanoTime()).as("the container's JVM did not start: %s", dockerLogs(id)).isLessThan(deadline);
            Thread.sleep(100);
        }
        Path har = tmp.resolve("jvm-container.har");

        Result r = recordUntil(cli("record", "--container", id, "-o", har.toString()), () -> {
            // six more requests sent once the recording has begun (the probe attaches meanwhile), then the loop ends
            long sentAtStart = dockerLogs(id).lines().filter(l -> l.startsWith("sent ")).count();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (dockerLogs(id).lines().filter(l -> l.startsWith("sent ")).count() < sentAtStart + 6) {
                assertThat(System.nanoTime()).as("the container's JVM stopped sending: %s", dockerLogs(id)).isLessThan(until);
                Thread.sleep(100);
            }
            Files.createFile(go.resolve("stop"));
        });

        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode log = HarJson.mapper().readTree(har.toFile()).path("log");
        assertThat(log.path("entries").size()).as(r.err()).isGreaterThanOrEqualTo(4);
        for (JsonNode e : log.path("entries")) {
            assertThat(e.path("request").path("url").asText()).startsWith(server.baseUrl() + "/json?i=");
            assertThat(e.path("_tlsLibrary").asText()).isEqualTo("JSSE");
            assertThat(e.path("_container").asText()).isEqualTo(id);
            assertThat(e.path("response").path("content").path("text").asText()).isEqualTo(DemoHttpsServer.JSON);
        }
        assertThat(log.path("_recordtls").path("jvmProbes").toString()).contains("loaded by agentmain");
    }

    private static String dockerLogs(String id) throws Exception {
        Process p = new ProcessBuilder("docker", "logs", id).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    /**
     * A TLS program at a path this machine does not have (/opt/node): looked at inside the
     * container's own file system, never through ours (where it once failed, unrecorded, unsaid).
     */
    @Test
    void recordsAProgramAtAPathOnlyTheContainerHas() throws Exception {
        BpfRequirement.check();
        Process which = new ProcessBuilder("sh", "-c", "command -v node").start();
        Path node = Path.of(new String(which.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()).toRealPath();
        Path go = Files.createDirectory(tmp.resolve("go"));
        String id = startContainer("-v", node + ":/opt/node:ro", "-v", go + ":/go:ro", "IMAGE", "sh", "-c",
                afterGo("/opt/node -e \"fetch('" + server.baseUrl() + "/json').then(r => r.text())\""));
        Path har = tmp.resolve("node.har");

        Result r = recordThenGo(cli("record", "--container", id, "-o", har.toString()), go);

        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode entry = HarJson.mapper().readTree(har.toFile()).path("log").path("entries").path(0);
        assertThat(entry.path("request").path("url").asText()).as(r.err()).endsWith("/json");
        assertThat(entry.path("_process").asText()).isEqualTo("node");
    }

    @Test
    void everyCommandHasHelp() throws Exception {
        for (String c : List.of("record", "doctor", "demo", "stubs", "replay")) {
            Result r = run(cli(c, "--help"));
            assertThat(r.exit()).as(c).isZero();
            assertThat(r.out()).as(c).contains("Usage: recordtls " + c);
        }
        // each line of a description stays one line (wrapped at 80 columns, every one broke in two)
        assertThat(run(cli("replay", "--help")).out())
                .contains("HTTPS uses a certificate for every recorded host, signed by a CA written to a file: make clients\n");
        assertThat(run(cli("--help")).out()).contains("record").contains("doctor").contains("demo").contains("Exit codes");
    }

    @Test
    void recordWritesTheHarPrintsASummaryAndPassesTheExitStatusOn() throws Exception {
        BpfRequirement.check();
        Path har = tmp.resolve("cli.har");
        Result ok = run(cli("record", "-o", har.toString(), "--", "curl", "-sS", "--cacert", server.caCertificate().toString(),
                server.baseUrl() + "/json"));
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).isEqualTo(DemoHttpsServer.JSON);
        assertThat(ok.err()).contains("recorded 1 exchange on 1 connection from 1 process -> " + har)
                .contains("lost: nothing (0 events dropped)");
        JsonNode json = HarJson.mapper().readTree(har.toFile());
        assertThat(json.at("/log/entries/0/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);

        Result failed = run(cli("record", "-o", tmp.resolve("f.har").toString(), "--", "curl", "-sS", "https://127.0.0.1:1/"));
        assertThat(failed.exit()).as("curl's own status: couldn't connect").isEqualTo(7);
        assertThat(failed.err()).contains("recorded 0 exchanges");

        Result missing = run(cli("record", "--", "no-such-command-anywhere"));
        assertThat(missing.exit()).isEqualTo(127);
        assertThat(missing.err()).contains("no-such-command-anywhere: command not found");
    }

    /** wget is GnuTLS: a binary download and a POST of a few hundred KB, byte-exact, named GnuTLS. */
    @Test
    void recordsWgetThroughGnuTls() throws Exception {
        BpfRequirement.check();
        byte[] upload = new byte[300_000];
        new java.util.Random(7).nextBytes(upload);
        Path file = tmp.resolve("upload.bin"), download = tmp.resolve("download.bin"), har = tmp.resolve("wget.har");
        Files.write(file, upload);
        String ca = "--ca-certificate=" + server.caCertificate();
        Result r = run(cli("record", "-o", har.toString(), "--", "sh", "-c",
                "wget -q " + ca + " -O " + download + " '" + server.baseUrl() + "/bytes?n=200000&seed=3'"
                        + " && wget -q " + ca + " -O /dev/null --header='Content-Type: application/octet-stream' --post-file=" + file
                        + " " + server.baseUrl() + "/echo"));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("recorded 2 exchanges on 2 connections").contains("lost: nothing").doesNotContain("does not probe");
        JsonNode log = HarJson.mapper().readTree(har.toFile()).path("log");
        JsonNode get = log.path("entries").path(0), post = log.path("entries").path(1);
        assertThat(java.util.Base64.getDecoder().decode(get.at("/response/content/text").asText()))
                .isEqualTo(Files.readAllBytes(download)).isEqualTo(DemoHttpsServer.bytes(200_000, 3));
        assertThat(post.at("/request/method").asText()).isEqualTo("POST");
        assertThat(java.util.Base64.getDecoder().decode(post.at("/request/postData/text").asText())).isEqualTo(upload);
        for (JsonNode e : log.path("entries")) {
            assertThat(e.path("_process").asText()).isEqualTo("wget");
            assertThat(e.path("_tlsLibrary").asText()).startsWith("libgnutls.so");
            assertThat(e.path("serverIPAddress").asText()).isEqualTo("127.0.0.1");
        }
        assertThat(log.at("/_recordtls/tlsLibraries").toString()).contains("libgnutls.so").doesNotContain("libssl");
    }

    /** tstclnt is NSS: a GET and a POST with a JSON body, byte-exact, named NSS. */
    @Test
    void recordsTstclntThroughNss() throws Exception {
        BpfRequirement.check();
        String json = "{\"stack\":\"NSS\",\"n\":[1,2,3]}";
        Path get = tmp.resolve("get.txt"), post = tmp.resolve("post.txt"), har = tmp.resolve("nss.har");
        Files.writeString(get, "GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        Files.writeString(post, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + json.length() + "\r\nConnection: close\r\n\r\n" + json);
        // -D: no certificate database; -o: accept the test server's certificate; -A: the request from a file
        String tstclnt = "tstclnt -h 127.0.0.1 -p " + server.port() + " -D -o -A ";
        Result r = run(cli("record", "-o", har.toString(), "--", "sh", "-c", tstclnt + get + " && " + tstclnt + post));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("recorded 2 exchanges on 2 connections").contains("lost: nothing").doesNotContain("no probe decoded");
        JsonNode log = HarJson.mapper().readTree(har.toFile()).path("log");
        assertThat(log.at("/entries/0/response/content/text").asText()).isEqualTo(DemoHttpsServer.JSON);
        assertThat(log.at("/entries/1/request/postData/text").asText()).isEqualTo(json);
        assertThat(log.at("/entries/1/response/content/text").asText()).isEqualTo(json);
        for (JsonNode e : log.path("entries")) {
            assertThat(e.path("_process").asText()).isEqualTo("tstclnt");
            assertThat(e.path("_tlsLibrary").asText()).isEqualTo("libnspr4.so (NSS)");
            assertThat(e.path("serverIPAddress").asText()).isEqualTo("127.0.0.1");
        }
        assertThat(log.at("/_recordtls/tlsLibraries").toString()).contains("(NSS)").doesNotContain("libssl.so");
    }

    @Test
    void sigtermStopsAPidRecordingAndTheHarIsWritten() throws Exception {
        BpfRequirement.check();
        Path har = tmp.resolve("pid.har");
        String ca = server.caCertificate().toString();
        Process target = new ProcessBuilder("sh", "-c", "while true; do curl -sS --cacert " + ca + " " + server.baseUrl()
                + "/hello > /dev/null && echo served; sleep 0.2; done").start();
        java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();
        Thread.ofVirtual().start(() -> { // counts the requests served as they are, from the start
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(target.getInputStream(), StandardCharsets.UTF_8))) {
                while (lines.readLine() != null) {
                    served.incrementAndGet();
                }
            } catch (IOException e) {
                // the loop was killed
            }
        });
        try {
            Process rec = new ProcessBuilder(cli("record", "--pid", Long.toString(target.pid()), "-o", har.toString()))
                    .redirectErrorStream(true).start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(rec.getInputStream(), StandardCharsets.UTF_8));
            assertThat(lines.readLine()).contains("recording [" + target.pid() + "]");
            // three requests served from now on (the loop served others before): two at least began after the recording did
            int before = served.get();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (served.get() < before + 3) {
                assertThat(System.nanoTime()).as("the loop stopped serving").isLessThan(deadline);
                Thread.sleep(20);
            }
            LibC.kill(rec.pid(), LibC.SIGTERM);
            assertThat(rec.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String rest = new String(rec.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(rec.exitValue()).as(rest).isEqualTo(128 + 15);
            assertThat(rest).contains("-> " + har);
            JsonNode entries = HarJson.mapper().readTree(har.toFile()).at("/log/entries");
            assertThat(entries.size()).as(rest).isGreaterThanOrEqualTo(2);
            // the signal may cut one exchange short: it is then marked, the others are whole
            int complete = 0;
            for (JsonNode e : entries) {
                if (e.has("_incomplete")) {
                    assertThat(e.at("/_notes").toString()).contains("recording stopped");
                } else {
                    assertThat(e.at("/response/content/text").asText()).isEqualTo("hello from recordtls demo\n");
                    complete++;
                }
            }
            assertThat(complete).isGreaterThanOrEqualTo(2);
            assertThat(ourPrograms()).as("eBPF programs left after SIGTERM").isZero();
        } finally {
            target.destroyForcibly();
        }
    }

    @Test
    void probesAreGoneAfterTheRecorderIsKilled() throws Exception {
        BpfRequirement.check();
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Process rec = new ProcessBuilder(cli("record", "--pid", Long.toString(sleeper.pid()), "-o", tmp.resolve("k.har").toString()))
                    .redirectErrorStream(true).start();
            assertThat(new BufferedReader(new InputStreamReader(rec.getInputStream())).readLine()).contains("recording");
            assertThat(ourPrograms()).as("probes attached while recording").isPositive();
            rec.destroyForcibly(); // SIGKILL: no shutdown code runs
            rec.waitFor(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ourPrograms() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(ourPrograms()).as("eBPF programs left after SIGKILL").isZero();
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void aProcessHeldForInspectionGoesOnWhenTheRecorderIsKilled() throws Exception {
        BpfRequirement.check();
        List<String> cmd = cli("record", "-o", tmp.resolve("held.har").toString(), "--", "sh", "-c", "echo released");
        cmd.add(cmd.indexOf("-cp"), "-Drecordtls.test.gateDelayMs=60000"); // hold the command a minute
        Path out = tmp.resolve("held.out");
        Process rec = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            ProcessHandle held = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (held == null && System.nanoTime() < deadline) {
                held = rec.descendants().filter(CliTest::stopped).findFirst().orElse(null);
                Thread.sleep(50);
            }
            assertThat(held).as("the command, stopped until its executable is looked at").isNotNull();
            rec.destroyForcibly(); // SIGKILL: no Java code runs
            assertThat(held.onExit().get(20, TimeUnit.SECONDS).isAlive()).as("released and finished").isFalse();
            assertThat(java.nio.file.Files.readString(out)).as("the command ran to its end").contains("released");
        } finally {
            rec.destroyForcibly();
        }
    }

    private static boolean stopped(ProcessHandle h) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc/" + h.pid() + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    /** recordtls programs loaded in the kernel now, by name, from any process. */
    private static int ourPrograms() throws Exception {
        Process p = new ProcessBuilder("bpftool", "prog", "show").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        int n = 0;
        for (String line : out.split("\n")) {
            if (line.contains("name rtls_")) {
                n++;
            }
        }
        return n;
    }

    @Test
    void withoutPrivilegesTheErrorSaysWhatToDoWithoutAStackTrace() throws Exception {
        BpfRequirement.check(); // we must be root to drop to nobody
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--"));
        List<String> java = cli("record", "-o", "/tmp/never.har", "--", "true");
        java.set(java.indexOf("-cp") + 1, readableByAnyone(System.getProperty("java.class.path")));
        cmd.addAll(java);
        Result r = run(cmd);
        assertThat(r.exit()).as(r.err()).isEqualTo(125);
        assertThat(r.err()).contains("recording needs root, or CAP_BPF + CAP_PERFMON").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(Path.of("/tmp/never.har")).doesNotExist();
    }

    /** The class path copied where an unprivileged user can read it (the Maven repository is root's). */
    private static String readableByAnyone(String classPath) throws IOException {
        Path dir = Files.createTempDirectory("recordtls-cp");
        dir.toFile().setReadable(true, false);
        dir.toFile().setExecutable(true, false);
        List<String> out = new ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isRegularFile(p)) {
                Path copy = dir.resolve(out.size() + "-" + p.getFileName());
                Files.copy(p, copy);
                copy.toFile().setReadable(true, false);
                out.add(copy.toString());
            } else {
                out.add(entry); // target/classes: under the work tree, readable
            }
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    /** The README's first command: every client it runs is in the HAR, the Java one through the JVM probe. */
    @Test
    void theDemoRecordsEachOfItsClients() throws Exception {
        BpfRequirement.check();
        Path har = tmp.resolve("demo.har");
        Result r = run(cli("demo", "-o", har.toString()));
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        List<String> processes = new ArrayList<>();
        for (JsonNode e : HarJson.mapper().readTree(har.toFile()).path("log").path("entries")) {
            processes.add(e.path("_process").asText() + " " + e.path("_tlsLibrary").asText().replaceAll("\\..*", ""));
        }
        assertThat(processes).contains("curl libssl", "python3 libssl", "wget libgnutls", "java JSSE");
        assertThat(r.out()).contains("java HttpClient").contains("lost: nothing");
    }

    @Test
    void doctorSaysThisMachineCanRecord() throws Exception {
        BpfRequirement.check();
        Result r = run(cli("doctor"));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("ok    kernel BTF").contains("ok    eBPF programs load and attach").contains("ok    uprobe_multi links")
                .contains("recordtls can record on this machine.")
                .contains("ok    JVM probe (Java's TLS): ").doesNotContain("cannot be attached");
    }
}
