package io.recordtls.junit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The condition behind {@link EnabledIfRecordingPossible}. */
final class RecordingPossibleCondition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String missing = AgentLauncher.whyRecordingIsImpossible();
        return missing == null ? ConditionEvaluationResult.enabled("recording is possible here")
                : ConditionEvaluationResult.disabled("recording is not possible here: " + missing);
    }
}
