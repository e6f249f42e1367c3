package io.recordtls.recorder.e2e;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Tests that run containers call {@link #image()} first (an execution condition calls
 * {@link #whyMissing()}): they need a Docker engine this user may use and the Debian test image
 * that scripts/test.sh builds, named by RECORDTLS_TEST_IMAGE. Where either is missing they are
 * skipped with the reason, unless RECORDTLS_REQUIRE_BPF=1 (CI), where that is a failure.
 */
public final class ContainerRequirement {
    public static final String IMAGE_VARIABLE = "RECORDTLS_TEST_IMAGE";
    private static String missing;
    private static boolean checked;

    private ContainerRequirement() {}

    /** Why containers cannot run here, or null; throws where they are required. */
    public static synchronized String whyMissing() {
        if (!checked) {
            checked = true;
            missing = probe();
        }
        if (missing != null && "1".equals(System.getenv("RECORDTLS_REQUIRE_BPF"))) {
            throw new AssertionError("containers are required here (RECORDTLS_REQUIRE_BPF=1) but cannot run: " + missing);
        }
        return missing;
    }

    /** The test image; the calling test is skipped (or fails, where required) when containers cannot run. */
    public static String image() {
        String why = whyMissing();
        Assumptions.assumeTrue(why == null, () -> "containers cannot run here: " + why);
        return System.getenv(IMAGE_VARIABLE);
    }

    private static String probe() {
        String image = System.getenv(IMAGE_VARIABLE);
        if (image == null || image.isBlank()) {
            return IMAGE_VARIABLE + " is not set: run ./scripts/test.sh, or export " + IMAGE_VARIABLE + "=$(scripts/test-images.sh)";
        }
        try { // one question answers both: is there an engine for this user, and does it have the image?
            Process p = new ProcessBuilder("docker", "image", "inspect", "--format", "{{.Id}}", image).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "'docker image inspect " + image + "' failed (no engine for this user, or no such image: run"
                        + " scripts/test-images.sh): " + out;
            }
            return null;
        } catch (IOException e) {
            return "no docker command: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
