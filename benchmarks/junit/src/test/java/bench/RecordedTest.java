package bench;

import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import org.junit.jupiter.api.RepeatedTest;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The same test under @RecordTls: recorded (-Drecordtls.mode=RECORD) or replayed (REPLAY). */
@RecordTls
class RecordedTest {
    @RepeatedTest(21)
    void fetchesTheItem(TlsRecording tls) throws Exception {
        String body = tls.isRecording()
                ? CurlGet.get(CurlGet.ORIGIN + CurlGet.PATH, CurlGet.CA, Map.of())
                : CurlGet.get(tls.baseUrl(CurlGet.ORIGIN) + CurlGet.PATH, null, tls.environment());
        assertThat(body).contains("\"benchmark item\"");
        assertThat(tls.exchanges()).singleElement().satisfies(x -> assertThat(x.status()).isEqualTo(200));
    }
}
