package io.recordtls.recorder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.recordtls.recorder.RecordingSummary;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** A finished recording as a test reads it: the HAR as JSON, the summary, the file. */
public record Recording(Path har, JsonNode json, String text, RecordingSummary summary) {
    public List<JsonNode> entries() {
        List<JsonNode> out = new ArrayList<>();
        json.path("log").path("entries").forEach(out::add);
        return out;
    }

    public JsonNode only() {
        List<JsonNode> e = entries();
        if (e.size() != 1) {
            throw new AssertionError("expected one entry, got " + e.size() + ":\n" + text);
        }
        return e.getFirst();
    }

    public JsonNode log() {
        return json.path("log").path("_recordtls");
    }

    public static byte[] responseBytes(JsonNode entry) {
        JsonNode c = entry.path("response").path("content");
        String text = c.path("text").asText();
        return "base64".equals(c.path("encoding").asText()) ? Base64.getDecoder().decode(text)
                : text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static String header(JsonNode message, String name) {
        for (JsonNode h : message.path("headers")) {
            if (h.path("name").asText().equalsIgnoreCase(name)) {
                return h.path("value").asText();
            }
        }
        return null;
    }

    /** Runs curl -sS with these arguments and returns what it printed (its errors go to the test's stderr). */
    public static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("curl did not finish within 30 s: " + cmd);
        }
        return out;
    }
}
