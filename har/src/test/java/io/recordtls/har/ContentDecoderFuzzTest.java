package io.recordtls.har;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A body that claims an encoding it does not have is kept as sent, with the reason: never an exception. */
class ContentDecoderFuzzTest {
    private static final List<String> CODINGS = List.of("gzip", "deflate", "br", "zstd", "x-gzip", "gzip, br", "deflate, gzip",
            "identity", "zstd, gzip");

    @FuzzTest(maxDuration = "5s")
    void anyBodyIsDecodedOrKeptWithTheReason(FuzzedDataProvider data) {
        String coding = data.pickValue(CODINGS);
        byte[] body = data.consumeRemainingAsBytes();
        ContentDecoder.Decoded d = ContentDecoder.decode(body, coding);
        if (!d.decoded()) {
            assertThat(d.bytes()).isSameAs(body);
        }
    }
}
