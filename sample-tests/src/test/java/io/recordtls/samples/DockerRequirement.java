package io.recordtls.samples;

import io.recordtls.recorder.e2e.ContainerRequirement;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Container samples need a Docker engine and the Debian test image that scripts/test.sh builds.
 * A condition, not a check in the test: the @Container fields start before any test method runs.
 * Without them the class is skipped with the reason, except where RECORDTLS_REQUIRE_BPF=1 (CI):
 * there it fails ({@link ContainerRequirement}).
 */
final class DockerRequirement implements ExecutionCondition {
    static String debianImage() {
        return System.getenv(ContainerRequirement.IMAGE_VARIABLE);
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext ctx) {
        String missing = ContainerRequirement.whyMissing();
        return missing == null ? ConditionEvaluationResult.enabled("Docker and " + debianImage() + " are here")
                : ConditionEvaluationResult.disabled(missing);
    }
}
