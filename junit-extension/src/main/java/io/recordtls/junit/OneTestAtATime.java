package io.recordtls.junit;

import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code @RecordTls} tests of one JVM run one at a time. A recording takes in everything the
 * test JVM and the processes in scope exchange while the test runs, and Java code reaches a
 * replay through JVM-wide defaults: two tests at once would record, or be routed to, each
 * other's exchanges. {@link RecordTls} serialises its classes with a {@code @ResourceLock}; a
 * test that still meets another one (an extension registered in code, under parallel execution)
 * is refused, saying what to do, instead of recording a mix in silence.
 */
final class OneTestAtATime {
    /** The lock {@link RecordTls} declares: other tests may run in parallel, never two of ours. */
    static final String LOCK = "io.recordtls";

    private static final AtomicReference<String> running = new AtomicReference<>();

    private OneTestAtATime() {}

    /** Marks {@code test} as the one running; closing the result ends it. */
    static AutoCloseable enter(String test) {
        String other = running.compareAndExchange(null, test);
        if (other != null) {
            throw new ExtensionConfigurationException("two @RecordTls tests run at the same time in this JVM (" + other + " and "
                    + test + "): each would record, or be replayed, the other's exchanges. Run them one at a time:"
                    + " @ResourceLock(\"" + LOCK + "\") on classes that register RecordTlsExtension in code (@RecordTls has it),"
                    + " or no parallel execution for them");
        }
        return () -> running.compareAndSet(test, null);
    }
}
