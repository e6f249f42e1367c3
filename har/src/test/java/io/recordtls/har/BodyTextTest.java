package io.recordtls.har;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** How a body is written into a HAR: as text when it decodes cleanly in its charset, else as base64. */
class BodyTextTest {
    @Test
    void validUtf8IsTextWhateverItHolds() {
        String json = "{\"name\":\"Zoë – 東京 🚀\",\"id\":1}";
        assertThat(BodyText.of(json.getBytes(StandardCharsets.UTF_8), "application/json").text()).isEqualTo(json);
        String replacement = "a \uFFFD written by the server";
        assertThat(BodyText.of(replacement.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8").text())
                .as("U+FFFD sent as such is text, not a sign of bad bytes").isEqualTo(replacement);
    }

    @Test
    void malformedUtf8IsBase64SoThatNoByteIsLost() {
        byte[][] malformed = {
                {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'},       // a sequence cut short
                {'x', (byte) 0xC0, (byte) 0xAF},                              // overlong '/'
                {'x', (byte) 0xED, (byte) 0xA0, (byte) 0x80},                 // a surrogate, CESU-8 style
                {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD, (byte) 0xFF},         // a real U+FFFD, then a bad byte
        };
        for (byte[] body : malformed) {
            BodyText t = BodyText.of(body, "application/json");
            assertThat(t.encoding()).isEqualTo("base64");
            assertThat(Base64.getDecoder().decode(t.text())).isEqualTo(body);
        }
    }

    @Test
    void aDeclaredCharsetIsUsedAndBytesWithoutATypeAreTextOnlyWhenTheyLookLikeIt() {
        byte[] latin1 = "café".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(BodyText.of(latin1, "text/plain; charset=ISO-8859-1").text()).isEqualTo("café");
        assertThat(BodyText.of(latin1, "text/plain").encoding()).as("not UTF-8").isEqualTo("base64");
        assertThat(BodyText.of("plain words\n".getBytes(StandardCharsets.UTF_8), null).text()).isEqualTo("plain words\n");
        assertThat(BodyText.of(new byte[] {1, 2, 3}, null).encoding()).isEqualTo("base64");
    }
}
