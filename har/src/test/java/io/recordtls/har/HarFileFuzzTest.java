package io.recordtls.har;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * HARs come from bug reports and DevTools: whatever the bytes, reading reports what is wrong
 * (never an exception, never a stack overflow), and what it reads can be redacted.
 */
class HarFileFuzzTest {
    private final Redactor redactor = new Redactor(true, Redactor.Rules.defaults());

    @FuzzTest(maxDuration = "5s")
    void anyBytesAreReadOrReported(byte[] data) throws IOException {
        HarFile.Contents c = HarFile.read(new ByteArrayInputStream(data), "fuzz.har");
        for (RecordedExchange x : c.exchanges()) {
            redactor.exchange(x);
        }
    }
}
