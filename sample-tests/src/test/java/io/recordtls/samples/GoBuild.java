package io.recordtls.samples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Builds a sample Go service (one file, standard library only) with the machine's Go as a
 * Dockerfile would: static (CGO_ENABLED=0) and stripped (-s -w), the way most images ship them.
 * The build cache is target/go/cache, shared by the module's runs: the standard library is
 * compiled once (a minute or two), later builds only link.
 */
final class GoBuild {
    static final Path DIR = Path.of("target", "go").toAbsolutePath();

    private GoBuild() {}

    /** The binary of src/test/resources/services/{name}.go. */
    static Path build(String name) throws IOException, InterruptedException {
        Path out = DIR.resolve("bin").resolve(name);
        List<String> command = List.of("go", "build", "-ldflags=-s -w", "-o", out.toString(),
                ServiceRun.SERVICES.resolve(name + ".go").toAbsolutePath().toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("GOCACHE", DIR.resolve("cache").toString());
        env.put("GOPATH", DIR.resolve("gopath").toString());
        env.put("GO111MODULE", "off"); // one file, standard library only: no module, no network
        env.put("GOFLAGS", "");
        env.put("CGO_ENABLED", "0");
        Files.createDirectories(out.getParent());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("no Go toolchain here (apt-get install golang-go; scripts/test.sh installs it): the Go sample is built with it", e);
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(600, TimeUnit.SECONDS)).as("go build finishes in 10 minutes").isTrue();
        assertThat(p.exitValue()).as("%s failed:%n%s", String.join(" ", command), log).isZero();
        return out;
    }
}
