import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

/**
 * WireMock's recorder as users run it: a reverse proxy in front of the upstream, recording
 * what goes through. Prints its port, records until stdin closes, then snapshots the recording.
 * Usage: java ProxyRecorder.java UPSTREAM_URL
 */
public class ProxyRecorder {
    public static void main(String[] args) throws Exception {
        // its own root: WireMock's default (src/test/resources) would fill the working directory
        java.nio.file.Path root = java.nio.file.Files.createTempDirectory("proxy-recorder");
        WireMockServer wm = new WireMockServer(WireMockConfiguration.options().usingFilesUnderDirectory(root.toString())
                .bindAddress("127.0.0.1").dynamicPort()
                .notifier(new ConsoleNotifier(false)).trustAllProxyTargets(true).enableBrowserProxying(false));
        wm.start();
        wm.startRecording(args[0]);
        System.out.println("proxy port " + wm.port());
        System.out.flush();
        System.in.read();
        System.out.println("recorded " + wm.stopRecording().getStubMappings().size() + " stubs");
        wm.stop();
        try (var files = java.nio.file.Files.walk(root)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
