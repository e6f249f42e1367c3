package io.recordtls.replayer.stubs;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One stub as the generator decides it, before it is anything of WireMock's. It becomes WireMock's
 * model through WireMock's own API ({@link #toStubMapping}), for a server in this JVM; or WireMock's
 * JSON straight away ({@link StubJson}), for files: building the model only to serialise it cost
 * a reflective look-up of annotations per pattern and most of a conversion's time. A test holds
 * the two to the same bytes.
 *
 * @param scenario null, or the scenario this stub is one step of
 */
record StubDraft(UUID id, String name, Request request, Response response, Map<String, Object> metadata, Scenario scenario) {

    /**
     * What a request must be.
     *
     * @param url         the whole URL (path and query) when {@code urlIsPath} is false, else only the path
     * @param query       parameters each required with exactly these values (when the URL is only the path)
     * @param host        null when any host matches
     * @param headers     headers each required to equal a value
     * @param body        null when any body matches
     * @param form        form parameters each required with exactly these values
     */
    record Request(String method, String url, boolean urlIsPath, Map<String, List<String>> query, String host, Integer port,
                   List<Map.Entry<String, String>> headers, BodyMatch body, Map<String, List<String>> form) {}

    /** How a request's body must be. */
    sealed interface BodyMatch {
        record Binary(byte[] bytes) implements BodyMatch {}

        /** JSON equal to this, fields in any order, arrays in recorded order, nothing extra. */
        record Json(String json) implements BodyMatch {}

        record Xml(String xml) implements BodyMatch {}

        record Text(String text) implements BodyMatch {}
    }

    /**
     * What is sent back.
     *
     * @param statusMessage null when none was recorded
     * @param headers       names and values in recorded order (a name may repeat)
     * @param body          null, or the body as text
     * @param bodyFile      null, or the name of the file under __files/ that holds the body
     */
    record Response(int status, String statusMessage, List<Map.Entry<String, String>> headers, String body, String bodyFile) {}

    /**
     * @param newState null when serving this step leaves the state as it is
     */
    record Scenario(String name, String requiredState, String newState) {}

    /** Through WireMock's API: what a server in this JVM is given. */
    StubMapping toStubMapping() {
        Request q = request;
        MappingBuilder m = WireMock.request(q.method(), q.urlIsPath() ? WireMock.urlPathEqualTo(q.url()) : WireMock.urlEqualTo(q.url()));
        q.query().forEach((n, v) -> m.withQueryParam(n, WireMock.havingExactly(v.toArray(String[]::new))));
        if (q.host() != null) {
            m.withHost(WireMock.equalTo(q.host())).withPort(q.port());
        }
        q.headers().forEach(h -> m.withHeader(h.getKey(), WireMock.equalTo(h.getValue())));
        // the replayer runs on Java 17: no pattern switch
        if (q.body() instanceof BodyMatch.Binary b) {
            m.withRequestBody(WireMock.binaryEqualTo(b.bytes()));
        } else if (q.body() instanceof BodyMatch.Json j) {
            m.withRequestBody(WireMock.equalToJson(j.json(), false, false));
        } else if (q.body() instanceof BodyMatch.Xml x) {
            m.withRequestBody(WireMock.equalToXml(x.xml()));
        } else if (q.body() instanceof BodyMatch.Text t) {
            m.withRequestBody(WireMock.equalTo(t.text()));
        }
        q.form().forEach((n, v) -> m.withFormParam(n, WireMock.havingExactly(v.toArray(String[]::new))));

        ResponseDefinitionBuilder r = WireMock.aResponse().withStatus(response.status());
        if (response.statusMessage() != null) {
            r.withStatusMessage(response.statusMessage());
        }
        response.headers().forEach(h -> r.withHeader(h.getKey(), h.getValue()));
        if (response.body() != null) {
            r.withBody(response.body());
        } else if (response.bodyFile() != null) {
            r.withBodyFile(response.bodyFile());
        }
        m.withId(id).withName(name).willReturn(r).withMetadata(metadata);
        if (scenario == null) {
            return m.build();
        }
        var sm = m.inScenario(scenario.name()).whenScenarioStateIs(scenario.requiredState());
        if (scenario.newState() != null) {
            sm.willSetStateTo(scenario.newState());
        }
        return sm.build();
    }
}
