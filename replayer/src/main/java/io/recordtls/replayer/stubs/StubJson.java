package io.recordtls.replayer.stubs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link StubDraft} as WireMock's stub mapping JSON, written token by token in the order and
 * layout WireMock's own serialiser gives its model (so a file reads the same whichever way it was
 * made, and re-runs stay byte-stable). Only what a draft can hold is written.
 */
final class StubJson {
    private static final JsonFactory JSON = new JsonFactory();

    private StubJson() {}

    /** The mapping file's bytes: pretty-printed, with a final newline. */
    static byte[] bytes(StubDraft d) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeStringField("id", d.id().toString());
            g.writeStringField("name", d.name());
            g.writeFieldName("request");
            request(g, d.request());
            g.writeFieldName("response");
            response(g, d.response());
            g.writeStringField("uuid", d.id().toString());
            if (d.scenario() != null) {
                g.writeStringField("scenarioName", d.scenario().name());
                g.writeStringField("requiredScenarioState", d.scenario().requiredState());
                if (d.scenario().newState() != null) {
                    g.writeStringField("newScenarioState", d.scenario().newState());
                }
            }
            g.writeFieldName("metadata");
            value(g, d.metadata());
            g.writeEndObject();
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void request(JsonGenerator g, StubDraft.Request q) throws IOException {
        g.writeStartObject();
        if (q.host() != null) {
            g.writeFieldName("host");
            equalTo(g, q.host());
            g.writeNumberField("port", q.port());
        }
        g.writeStringField(q.urlIsPath() ? "urlPath" : "url", q.url());
        g.writeStringField("method", q.method());
        if (!q.headers().isEmpty()) {
            g.writeObjectFieldStart("headers");
            for (var h : q.headers()) {
                g.writeFieldName(h.getKey());
                equalTo(g, h.getValue());
            }
            g.writeEndObject();
        }
        exactly(g, "queryParameters", q.query());
        exactly(g, "formParameters", q.form());
        if (q.body() != null) {
            g.writeArrayFieldStart("bodyPatterns");
            g.writeStartObject();
            if (q.body() instanceof StubDraft.BodyMatch.Binary b) {
                g.writeStringField("binaryEqualTo", Base64.getEncoder().encodeToString(b.bytes()));
            } else if (q.body() instanceof StubDraft.BodyMatch.Json j) {
                g.writeStringField("equalToJson", j.json());
                g.writeBooleanField("ignoreArrayOrder", false);
                g.writeBooleanField("ignoreExtraElements", false);
            } else if (q.body() instanceof StubDraft.BodyMatch.Xml x) {
                g.writeStringField("equalToXml", x.xml());
            } else if (q.body() instanceof StubDraft.BodyMatch.Text t) {
                g.writeStringField("equalTo", t.text());
            }
            g.writeEndObject();
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void equalTo(JsonGenerator g, String value) throws IOException {
        g.writeStartObject();
        g.writeStringField("equalTo", value);
        g.writeEndObject();
    }

    /** Parameters each with exactly these values: WireMock's {@code hasExactly}. */
    private static void exactly(JsonGenerator g, String field, Map<String, List<String>> params) throws IOException {
        if (params.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart(field);
        for (var p : params.entrySet()) {
            g.writeObjectFieldStart(p.getKey());
            g.writeArrayFieldStart("hasExactly");
            for (String v : p.getValue()) {
                equalTo(g, v);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void response(JsonGenerator g, StubDraft.Response r) throws IOException {
        g.writeStartObject();
        g.writeNumberField("status", r.status());
        if (r.statusMessage() != null) {
            g.writeStringField("statusMessage", r.statusMessage());
        }
        if (r.body() != null) {
            g.writeStringField("body", r.body());
        } else if (r.bodyFile() != null) {
            g.writeStringField("bodyFileName", r.bodyFile());
        }
        if (!r.headers().isEmpty()) {
            // as WireMock holds them: one field per name, whatever its case, in the order first seen;
            // a single value as a string, several as an array
            Map<String, List<String>> byName = new LinkedHashMap<>();
            Map<String, String> firstSpelling = new LinkedHashMap<>();
            for (var h : r.headers()) {
                String key = h.getKey().toLowerCase(Locale.ROOT);
                firstSpelling.putIfAbsent(key, h.getKey());
                byName.computeIfAbsent(key, k -> new ArrayList<>()).add(h.getValue());
            }
            g.writeObjectFieldStart("headers");
            for (var h : byName.entrySet()) {
                g.writeFieldName(firstSpelling.get(h.getKey()));
                if (h.getValue().size() == 1) {
                    g.writeString(h.getValue().get(0));
                } else {
                    g.writeStartArray();
                    for (String v : h.getValue()) {
                        g.writeString(v);
                    }
                    g.writeEndArray();
                }
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /** Metadata: maps, lists, strings and numbers. */
    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (var e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                value(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object o : l) {
                value(g, o);
            }
            g.writeEndArray();
        } else if (v instanceof Integer i) {
            g.writeNumber(i);
        } else if (v instanceof Long n) {
            g.writeNumber(n);
        } else {
            g.writeString(String.valueOf(v));
        }
    }
}
