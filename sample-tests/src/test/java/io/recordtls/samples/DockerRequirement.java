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

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext ctx) {
        String missing = null;
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            missing = "no Docker engine answers (start dockerd, or run ./scripts/test.sh as root, which starts one)";
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
