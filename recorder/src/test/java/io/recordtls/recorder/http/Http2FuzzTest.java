package io.recordtls.recorder.http;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;

/** Any frames after the HTTP/2 preface become exchanges or notes, never an exception that would cost the others. */
class Http2FuzzTest {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    @FuzzTest(maxDuration = "5s")
    void anyHttp2FramesAreParsedOrNoted(byte[] input) {
        HttpFuzzing.run(PREFACE, input);
    }
}
