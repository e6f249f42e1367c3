package bench;

import org.junit.jupiter.api.RepeatedTest;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The baseline: the same test without recordtls. */
class PlainTest {
    @RepeatedTest(21)
    void fetchesTheItem() throws Exception {
        assertThat(CurlGet.get(CurlGet.ORIGIN + CurlGet.PATH, CurlGet.CA, Map.of())).contains("\"benchmark item\"");
    }
}
