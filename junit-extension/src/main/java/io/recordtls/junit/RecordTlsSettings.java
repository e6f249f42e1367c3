package io.recordtls.junit;

import io.recordtls.replayer.stubs.StubOptions;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A test's recordtls settings, from its {@link RecordTls} or the extension's builder, with the
 * run-wide overrides ({@code -Drecordtls.mode}, {@code -Drecordtls.dir}): its mode, where its
 * recordings are, how its replay matches.
 */
record RecordTlsSettings(RecordTlsMode mode, String directory, Set<String> matchHeaders, Set<String> ignoreQuery,
        List<String> ignoreJson, boolean failOnUnusedRecordings, boolean replayServerPerClass,
        boolean skipWhenRecordingImpossible) {
    static RecordTlsSettings of(RecordTls a) {
        return new RecordTlsSettings(a.mode(), a.directory(), Set.of(a.matchHeaders()), Set.of(a.ignoreQuery()),
                List.of(a.ignoreJson()), a.failOnUnusedRecordings(), a.replayServerPerClass(), a.skipWhenRecordingImpossible());
    }

    StubOptions stubOptions() {
        Set<String> headers = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        headers.add("Content-Type");
        headers.addAll(matchHeaders);
        return StubOptions.defaults().withMatchHeaders(headers).withIgnored(ignoreQuery, ignoreJson);
    }

    /** The test's settings: the builder's when the extension was registered in code, else the nearest @RecordTls. */
    static RecordTlsSettings of(ExtensionContext ctx, RecordTlsSettings explicit) {
        if (explicit != null) {
            return explicit;
        }
        Optional<RecordTls> a = ctx.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m, RecordTls.class))
                .or(() -> ctx.getTestClass().flatMap(RecordTlsSettings::annotationOf));
        return a.map(RecordTlsSettings::of).orElseThrow(() -> new ExtensionConfigurationException(
                "RecordTlsExtension needs @RecordTls on the test, or registration through RecordTlsExtension.builder()"));
    }

    /** On the class, or on a class enclosing it: a @Nested class's tests belong to the annotated one. */
    private static Optional<RecordTls> annotationOf(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
            Optional<RecordTls> a = AnnotationSupport.findAnnotation(c, RecordTls.class);
            if (a.isPresent()) {
                return a;
            }
        }
        return Optional.empty();
    }

    /** -Drecordtls.mode, then RECORDTLS_MODE, then the annotation. */
    static RecordTlsMode configuredMode(RecordTlsMode annotated) {
        String override = System.getProperty(RecordTlsMode.PROPERTY);
        String source = "-D" + RecordTlsMode.PROPERTY;
        if (override == null || override.isBlank()) {
            override = System.getenv(RecordTlsMode.ENVIRONMENT);
            source = RecordTlsMode.ENVIRONMENT;
        }
        if (override == null || override.isBlank()) {
            return annotated;
        }
        try {
            return RecordTlsMode.valueOf(override.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(source + "=" + override + " is not a mode: use one of "
                    + Arrays.toString(RecordTlsMode.values()));
        }
    }

    /** Where a class's recordings are: DIR/TestClass. */
    Path classDir(ExtensionContext ctx) {
        String dir = !directory.isBlank() ? directory
                : System.getProperty("recordtls.dir", "src/test/resources/recordtls");
        return Path.of(dir, ctx.getRequiredTestClass().getSimpleName());
    }

    Path harFile(ExtensionContext ctx) {
        String method = ctx.getRequiredTestMethod().getName();
        String unique = ctx.getUniqueId();
        int inv = unique.lastIndexOf("-invocation:#");
        if (inv >= 0) { // a parameterized or repeated test: one HAR per invocation
            method += "-" + unique.substring(inv + 13).replaceAll("\\D", "");
        }
        return classDir(ctx).resolve(method + ".har");
    }
}
