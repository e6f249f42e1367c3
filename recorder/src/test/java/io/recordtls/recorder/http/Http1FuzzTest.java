package io.recordtls.recorder.http;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Any bytes on an HTTP/1.1 connection become exchanges or notes, never an exception that would cost the others. */
class Http1FuzzTest {
    @FuzzTest(maxDuration = "5s")
    void anyHttp1BytesAreParsedOrNoted(byte[] input) {
        HttpFuzzing.run(new byte[0], input);
    }
}
