package io.recordtls.samples;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Container samples need a Docker engine and the Debian test image that scripts/test.sh builds
 * (its tag in RECORDTLS_TEST_IMAGE). Without them the class is skipped with the reason, except
 * where RECORDTLS_REQUIRE_BPF=1 (CI): there it fails.
 */
final class DockerRequirement implements ExecutionCondition {
    static String debianImage() {
        return System.getenv("RECORDTLS_TEST_IMAGE");
    }

    /** Testcontainers' own check; it throws rather than answer false on some engines (no bridge network). */
    static boolean dockerUsable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext ctx) {
        String missing = null;
        if (!dockerUsable()) {
            missing = "Testcontainers finds no usable Docker engine: start one (./scripts/test.sh as root starts one); on an"
                    + " engine without a bridge network, set TESTCONTAINERS_HOST_OVERRIDE=localhost (scripts/test.sh does)";
        } else if (debianImage() == null || debianImage().isBlank()) {
            missing = "RECORDTLS_TEST_IMAGE is not set: run ./scripts/test.sh, or export RECORDTLS_TEST_IMAGE=$(scripts/test-images.sh)";
        }
        if (missing == null) {
            return ConditionEvaluationResult.enabled("Docker and " + debianImage() + " are here");
        }
        if ("1".equals(System.getenv("RECORDTLS_REQUIRE_BPF"))) {
            throw new ExtensionConfigurationException("container tests are required here (RECORDTLS_REQUIRE_BPF=1): " + missing);
        }
        return ConditionEvaluationResult.disabled(missing);
    }
}
