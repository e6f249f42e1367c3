package io.recordtls.replayer;

import de.sstoehr.harreader.model.HarContent;
import de.sstoehr.harreader.model.HarEntry;
import de.sstoehr.harreader.model.HarRequest;
import de.sstoehr.harreader.model.HarResponse;
import io.recordtls.recorder.har.HarFileWriter;
import io.recordtls.har.HarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** A HAR holds whole bodies: one of 30 MB (40 M characters of base64) is written and read back exactly. */
class BigBodyHarTest {
    @TempDir
    Path tmp;

    @Test
    void aThirtyMegabyteBodyIsWrittenAndReadBackByteForByte() throws Exception {
        byte[] body = new byte[30 << 20];
        new Random(3).nextBytes(body);
        HarEntry entry = HarEntry.builder().startedDateTime(ZonedDateTime.now()).time(1)
                .request(HarRequest.builder().method("GET").url("https://big.test/blob").httpVersion("HTTP/1.1").build())
                .response(HarResponse.builder().status(200).statusText("OK").httpVersion("HTTP/1.1")
                        .content(HarContent.builder().size((long) body.length).mimeType("application/octet-stream")
                                .text(Base64.getEncoder().encodeToString(body)).encoding("base64").build()).build())
                .build();
        Path har = tmp.resolve("big.har");
        try (HarFileWriter w = new HarFileWriter()) {
            w.add(1, entry);
            w.writeTo(har, "test", null, Map.of());
        }
        HarFile.Contents c = HarFile.read(har);
        assertThat(c.problems()).isEmpty();
        assertThat(c.exchanges().getFirst().responseBody()).isEqualTo(body);
    }
}
