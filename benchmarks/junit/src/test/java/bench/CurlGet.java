package bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The code under test: curl fetching one JSON document (a new process each time, as a script would). */
final class CurlGet {
    static final String ORIGIN = System.getProperty("bench.origin");
    static final String PATH = System.getProperty("bench.path");
    static final String CA = System.getProperty("bench.cacert");

    private CurlGet() {}

    /** The body curl printed; {@code ca} null when the environment says what to trust. */
    static String get(String url, String ca, Map<String, String> env) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--fail"));
        if (ca != null) {
            cmd.addAll(List.of("--cacert", ca));
        }
        cmd.add(url);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("curl " + url + " failed: " + out);
        }
        Timeline.took("curl", System.nanoTime() - start);
        return out;
    }
}
