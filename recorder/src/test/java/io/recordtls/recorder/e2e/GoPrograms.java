package io.recordtls.recorder.e2e;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Go test programs (resources under /go/) built during the test run with the machine's Go
 * (Debian's golang-go), offline, with the build cache under target/. Each variant is built once
 * per JVM.
 */
public final class GoPrograms {
    /** How the program is linked: with .symtab, stripped (-s -w: pclntab only), position-independent, both. */
    public enum Variant {
        SYMTAB(), STRIPPED("-ldflags=-s -w"), PIE("-buildmode=pie"), STRIPPED_PIE("-ldflags=-s -w", "-buildmode=pie");

        final List<String> flags;

        Variant(String... flags) {
            this.flags = List.of(flags);
        }
    }

    private static final Path DIR = Path.of("target", "go").toAbsolutePath();
    private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();

    private GoPrograms() {}

    /** The built program for /go/{name}.go; skips the test when there is no Go toolchain here. */
    public static Path build(String name, Variant variant) {
        return BUILT.computeIfAbsent(name + "-" + variant, key -> compile(name, variant));
    }

    private static Path compile(String name, Variant variant) {
        Assumptions.assumeTrue(goAvailable(), "no Go toolchain (apt-get install golang-go): Go programs cannot be built here");
        try {
            Path src = DIR.resolve("src").resolve(name + ".go");
            Files.createDirectories(src.getParent());
            Files.copy(TestResources.copy("/go/" + name + ".go"), src, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Path out = DIR.resolve("bin").resolve(name + "-" + variant.name().toLowerCase());
            List<String> cmd = new ArrayList<>(List.of("go", "build", "-o", out.toString()));
            cmd.addAll(variant.flags);
            cmd.add(src.toString());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.put("GOCACHE", DIR.resolve("cache").toString());
            env.put("GOPATH", DIR.resolve("gopath").toString());
            env.put("GO111MODULE", "off"); // one file, standard library only: no module, no network
            env.put("GOFLAGS", "");
            env.put("CGO_ENABLED", "0"); // a static binary, as in most images
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("go build did not finish in 300 s: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("go build failed: " + cmd + "\n" + output);
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("build " + name + ".go", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static boolean goAvailable() {
        try {
            Process p = new ProcessBuilder("go", "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
