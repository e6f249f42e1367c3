package io.recordtls.junit;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the test only where recording is possible: a kernel with BTF and uprobes, and either
 * privileges in this JVM or password-less sudo of the installed recorder. Elsewhere it is skipped, with the reason.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(RecordingPossibleCondition.class)
public @interface EnabledIfRecordingPossible {}
