package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.Recorder;
import io.recordtls.recorder.RecorderOptions;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.recordtls.recorder.e2e.Recording.header;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Probes are planted per process in scope (issue 15): a TLS client outside the scope that uses
 * the same libssl traps nothing, and probes follow the processes in scope through fork.
 */
class PerProcessProbesEndToEndTest extends DemoServerTestBase {
    /** A python3 that maps libssl, makes one HTTPS request when told (a line on stdin), prints "done", and waits for EOF. */
    private String waitingClient(String path) {
        return String.join("\n",
                "import ssl, sys, urllib.request",
                "ctx = ssl.create_default_context(cafile='" + ca + "')",
                "print('ready', flush=True)",
                "sys.stdin.readline()",
                "assert urllib.request.urlopen(urllib.request.Request('" + base + path + "'), context=ctx).read()",
                "print('done', flush=True)",
                "sys.stdin.readline()");
    }

    @Test
    void aTlsClientOutsideTheScopeIsNotProbedWhileARecordingRuns() throws Exception {
        Process outside = new ProcessBuilder("python3", "-c", waitingClient("/json?outside")).redirectErrorStream(true).start();
        try (BufferedReader outsideSays = new BufferedReader(new InputStreamReader(outside.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(outsideSays.readLine()).isEqualTo("ready"); // libssl is mapped
            int[] planted = new int[3];
            Recording rec = record(RecorderOptions.defaults(), r -> {
                Process inside = r.launch(List.of("python3", "-c", waitingClient("/json?inside")), pb -> pb.redirectErrorStream(true));
                try (BufferedReader insideSays = new BufferedReader(new InputStreamReader(inside.getInputStream(), StandardCharsets.UTF_8))) {
                    assertThat(insideSays.readLine()).isEqualTo("ready");
                    for (Process p : List.of(inside, outside)) {
                        p.getOutputStream().write('\n');
                        p.getOutputStream().flush();
                    }
                    assertThat(insideSays.readLine()).isEqualTo("done");
                    assertThat(outsideSays.readLine()).isEqualTo("done");
                    planted[0] = r.uprobesIn(inside.pid());
                    planted[1] = r.uprobesIn(outside.pid());
                    inside.getOutputStream().close();
                    assertThat(inside.waitFor(30, TimeUnit.SECONDS)).isTrue();
                    planted[2] = awaitNoUprobes(r);
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            // one uprobe_multi link per program: entry, return, and the SSL BIO's methods (Linux 6.6 and later)
            assertThat(planted[0]).as("uprobe links planted in the python3 in scope").isBetween(1, 3);
            assertThat(planted[1]).as("uprobes planted in the python3 outside the scope, on the same libssl").isZero();
            assertThat(planted[2]).as("uprobes left once the process in scope ended").isZero();
            assertThat(rec.entries()).extracting(e -> e.at("/request/url").asText()).containsExactly(base + "/json?inside");
        } finally {
            outside.destroyForcibly();
        }
    }

    /** The links of an ended process are closed in the background: a while on a loaded machine. */
    private static int awaitNoUprobes(Recorder r) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (r.uprobes() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return r.uprobes();
    }

    @Test
    void aChildForkedWithoutExecIsRecorded() throws IOException {
        assertForkedChildrenRecorded();
    }

    /** Before Linux 6.6 there are no uprobe_multi links: each offset is a perf event of its own, planted the same way. */
    @Test
    void aChildForkedWithoutExecIsRecordedWithOnePerfEventPerProbe() throws IOException {
        System.setProperty("recordtls.test.perfEventUprobes", "true");
        try {
            int[] planted = new int[1];
            Recording rec = record(RecorderOptions.defaults(), r -> {
                Process p = r.launch(List.of("python3", "-c", waitingClient("/json?perf")), pb -> pb.redirectErrorStream(true));
                try (BufferedReader says = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    assertThat(says.readLine()).isEqualTo("ready");
                    planted[0] = r.uprobesIn(p.pid());
                    p.getOutputStream().write('\n');
                    p.getOutputStream().close();
                    assertThat(says.readLine()).isEqualTo("done");
                    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(planted[0]).as("perf-event uprobes planted in the python3: one per function and kind").isGreaterThan(3);
            assertThat(rec.entries()).extracting(e -> e.at("/request/url").asText()).containsExactly(base + "/json?perf");
            assertForkedChildrenRecorded();
        } finally {
            System.clearProperty("recordtls.test.perfEventUprobes");
        }
    }

    private void assertForkedChildrenRecorded() throws IOException {
        Recording rec = record("python3", "-c", String.join("\n",
                "import os, ssl, urllib.request",
                "ctx = ssl.create_default_context(cafile='" + ca + "')",
                "def get(who):",
                "    r = urllib.request.Request('" + base + "/json', headers={'X-Who': who})",
                "    assert urllib.request.urlopen(r, context=ctx).read()",
                "get('parent')",
                "pid = os.fork()",
                "if pid == 0:",
                "    get('child')",
                "    grandchild = os.fork()",
                "    if grandchild == 0:",
                "        get('grandchild')",
                "        os._exit(0)",
                "    assert os.waitpid(grandchild, 0)[1] == 0",
                "    os._exit(0)",
                "assert os.waitpid(pid, 0)[1] == 0",
                "get('parent again')"));
        assertThat(rec.entries()).extracting(e -> header(e.path("request"), "X-Who"))
                .containsExactlyInAnyOrder("parent", "child", "grandchild", "parent again");
        for (JsonNode e : rec.entries()) {
            assertThat(e.at("/response/status").asInt()).isEqualTo(200);
        }
        assertThat(rec.summary().lossless()).isTrue();
    }

    @Test
    void aShellThatStartsCurlTwiceIsRecordedEachTime() throws IOException {
        // the second curl maps a libssl already known as TLS-bearing: held all the same, to plant its own probes
        Recording rec = record("sh", "-c", "curl -sS --cacert " + ca + " -o /dev/null " + base + "/json?first"
                + " && curl -sS --cacert " + ca + " -o /dev/null " + base + "/json?second");
        assertThat(rec.entries()).extracting(e -> e.at("/request/url").asText())
                .containsExactly(base + "/json?first", base + "/json?second");
    }
}
