package io.recordtls.replayer.stubs;

import com.github.tomakehurst.wiremock.common.Json;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.recordtls.har.HarProblem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
        Path mappingsDir = Files.createDirectories(dir.resolve("mappings"));
        Path filesDir = Files.createDirectories(dir.resolve("__files"));
        for (var m : mappings.entrySet()) {
            write(mappingsDir.resolve(m.getKey()), (Json.write(m.getValue()) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        for (var f : bodyFiles.entrySet()) {
            write(filesDir.resolve(f.getKey()), f.getValue());
        }
    }

    /** Written in place: a re-run rewrites the same names, and a temp file plus a rename per stub doubled the cost. */
    private static void write(Path target, byte[] bytes) throws IOException {
        Files.write(target, bytes);
    }
}
