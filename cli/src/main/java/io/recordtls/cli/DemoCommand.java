package io.recordtls.cli;

import io.recordtls.recorder.commandline.Failures;
import io.recordtls.recorder.Recorder;
import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.RecordingSummary;
import io.recordtls.recorder.demo.DemoHttpsServer;
import io.recordtls.har.HarJson;
import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Starts an HTTPS server on loopback, records real clients (curl, python3, node, wget, java) talking to it,",
                "and writes the HAR: what recordtls does, in 10 seconds."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", defaultValue = "recordings/demo.har", description = "HAR file to write (default: ${DEFAULT-VALUE})")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private record Client(String name, List<String> argv) {}

    /** The Java client's source in a temporary file, when this JDK can run a source file (jdk.compiler) and the probe is here. */
    private static Path javaClient() {
        if (ModuleLayer.boot().findModule("jdk.compiler").isEmpty() || io.recordtls.recorder.jvm.JvmProbeJar.find().isEmpty()) {
            return null;
        }
        try (var in = DemoCommand.class.getResourceAsStream("/io/recordtls/recorder/demo/DemoJavaClient.java")) {
            if (in == null) {
                return null;
            }
            Path dir = java.nio.file.Files.createTempDirectory("recordtls-demo");
            Path file = dir.resolve("DemoJavaClient.java");
            java.nio.file.Files.write(file, in.readAllBytes());
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Integer unprivileged = Failures.unprivileged(err);
        if (unprivileged != null) {
            return unprivileged;
        }
        try (DemoHttpsServer server = DemoHttpsServer.start();
             Recorder recorder = Recorder.start(RecorderOptions.defaults())) {
            String base = server.baseUrl();
            String ca = server.caCertificate().toString();
            out.println("recordtls demo: HTTPS server (Java, its own certificate) on " + base);
            out.println("recordtls demo: probing " + recorder.libraries());
            List<Client> clients = new ArrayList<>();
            clients.add(new Client("curl: two requests on one keep-alive connection",
                    List.of("curl", "-sS", "--cacert", ca, base + "/hello", base + "/json?page=1&size=3")));
            clients.add(new Client("curl: POST JSON with a bearer token (redacted in the HAR)",
                    List.of("curl", "-sS", "--cacert", ca, "-H", "Authorization: Bearer demo-secret-token",
                            "-H", "Content-Type: application/json", "-d", "{\"name\":\"recordtls\",\"tags\":[\"ebpf\",\"tls\"]}", base + "/echo")));
            clients.add(new Client("curl: gzip response (decoded in the HAR)",
                    List.of("curl", "-sS", "--compressed", "--cacert", ca, "-o", "/dev/null", base + "/gzip")));
            if (Executables.find("python3") != null) {
                clients.add(new Client("python3 urllib: GET and POST",
                        List.of("python3", "-c", String.join("\n",
                                "import json, ssl, urllib.request",
                                "ctx = ssl.create_default_context(cafile='" + ca + "')",
                                "print(urllib.request.urlopen('" + base + "/json', context=ctx).read().decode())",
                                "req = urllib.request.Request('" + base + "/echo', data=json.dumps({'from': 'python'}).encode(),",
                                "                             headers={'Content-Type': 'application/json'})",
                                "print(urllib.request.urlopen(req, context=ctx).read().decode())"))));
            }
            if (Executables.find("node") != null) {
                clients.add(new Client("node https: GET (OpenSSL linked into the node binary)",
                        List.of("node", "-e", "const https=require('https'),fs=require('fs');"
                                + "https.get('" + base + "/chunked',{ca:fs.readFileSync('" + ca + "')},r=>{let b='';"
                                + "r.on('data',d=>b+=d);r.on('end',()=>console.log(b.trim().split('\\n').join(' | ')))})")));
            }
            if (Executables.find("wget") != null) {
                clients.add(new Client("wget: GET (GnuTLS, not OpenSSL)",
                        List.of("wget", "-q", "--ca-certificate=" + ca, "-O", "-", base + "/hello?from=wget")));
            }
            Path javaClient = javaClient();
            if (javaClient != null) {
                clients.add(new Client("java HttpClient: GET (Java's own TLS, through the JVM probe)",
                        List.of(ProcessHandle.current().info().command().orElse("java"), javaClient.toString(), base, ca)));
            }
            for (Client c : clients) {
                out.println();
                out.println("$ " + c.name());
                out.flush();
                List<String> argv = new ArrayList<>(c.argv());
                argv.set(0, Executables.find(argv.getFirst()));
                Process p = recorder.launch(argv, ProcessBuilder.Redirect.INHERIT);
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    err.println("recordtls demo: " + c.name() + " timed out");
                }
                System.out.flush();
            }
            RecordingSummary summary = recorder.stop(output);
            out.println();
            out.println("Recorded exchanges:");
            JsonNode har = HarJson.mapper().readTree(output.toFile());
            for (JsonNode e : har.path("log").path("entries")) {
                out.printf("  %-8s %-4s %-45s %3d %7d B  %s%n", e.path("_process").asText(), e.path("request").path("method").asText(),
                        e.path("request").path("url").asText(), e.path("response").path("status").asInt(),
                        e.path("response").path("content").path("size").asLong(), e.path("response").path("content").path("mimeType").asText());
            }
            out.println();
            summary.describe().lines().forEach(l -> out.println("recordtls: " + l));
            out.println("Open " + output.toAbsolutePath() + " in a HAR viewer (browser DevTools > Network > Import HAR).");
            out.flush();
            return summary.entries() > 0 ? 0 : 1;
        } catch (RuntimeException | ExceptionInInitializerError | NoClassDefFoundError e) {
            return Failures.report(err, e);
        }
    }
}
