package io.recordtls.junit;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Records the HTTPS exchanges of the processes a test starts (OpenSSL-based: curl, Python,
 * Node, Ruby...) into {@code src/test/resources/recordtls/<TestClass>/<testMethod>.har}, and
 * replays them through WireMock on later runs. Inject {@link TlsRecording} to point the service
 * at the right place in both modes and to assert on what it sent.
 *
 * <pre>{@code
 * @RecordTls
 * class QuoteServiceTest {
 *     @Test
 *     void pricesAQuote(TlsRecording tls) { ... tls.baseUrl("https://api.example.com") ... tls.exchanges() ... }
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RecordTlsExtension.class)
// one @RecordTls test at a time (OneTestAtATime): under parallel execution JUnit runs the rest beside them
@ResourceLock(OneTestAtATime.LOCK)
public @interface RecordTls {
    /** Overridden for a whole run by -Drecordtls.mode or RECORDTLS_MODE. */
    RecordTlsMode mode() default RecordTlsMode.AUTO;

    /** Directory of the recordings; default src/test/resources/recordtls (or -Drecordtls.dir). */
    String directory() default "";

    /** Request headers a replayed request must carry as recorded (Content-Type always). */
    String[] matchHeaders() default {};

    /** Query parameters that differ from run to run and must not be matched. */
    String[] ignoreQuery() default {};

    /** JSON request body fields that differ from run to run, as paths like "meta.requestId". */
    String[] ignoreJson() default {};

    /** Fail a replayed test that did not use every recorded exchange. */
    boolean failOnUnusedRecordings() default false;

    /**
     * One replay session for the whole class: its servers (and base URLs) exist before the first
     * test, for {@code @DynamicPropertySource} and the like. Without it each test has a session
     * of its own, on servers that start over between tests of the class (same ports, nothing
     * left of the previous test's stubs, scenarios or requests).
     */
    boolean replayServerPerClass() default false;

    /**
     * Where recording is impossible (no privileges, no eBPF): skip the test, with the reason,
     * instead of failing it. Never a silent pass either way.
     */
    boolean skipWhenRecordingImpossible() default false;
}
