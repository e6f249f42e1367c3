package io.recordtls.replayer.stubs;

import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.recordtls.har.HarProblem;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Stub mappings in WireMock's own model, with the body files they refer to, named stably:
 * the same HAR always gives the same files.
 *
 * @param mappings  file name (under mappings/) to stub
 * @param bodyFiles file name (under __files/) to bytes
 */
public record StubSet(Map<String, StubMapping> mappings, Map<String, byte[]> bodyFiles, List<HarProblem> problems,
                      List<String> notes) {
    /**
     * Writes WireMock's standard layout: DIR/mappings/*.json and DIR/__files/*. Files of this
     * set are replaced; other files in DIR are left alone.
     */
    public void writeTo(Path dir) throws IOException {
        StubDirectory out = StubDirectory.open(dir);
        for (var m : mappings.entrySet()) {
            out.mapping(m.getKey(), m.getValue());
        }
        for (var f : bodyFiles.entrySet()) {
            out.bodyFile(f.getKey(), f.getValue());
        }
    }
}
