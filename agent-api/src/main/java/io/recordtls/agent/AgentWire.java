package io.recordtls.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How requests and replies travel: one JSON object per line over a Unix domain socket the
 * agent creates in a directory of its own. The agent prints {@link #ready} (which names the
 * socket) on its standard output once it listens.
 */
public final class AgentWire {
    public static final String READY = "recordtls agent: ready on ";
    /**
     * Where the recorder's runnable jar carries the JVM probe's jar: the extension copies it into
     * containers it records, the recorder hands it to the JVMs it attaches to.
     */
    public static final String JVM_PROBE_ENTRY = "io/recordtls/recorder/jvm/recordtls-jvm-probe.jar";

    // Both ends are the same version (the test run starts the agent from its own recordtls), but a
    // field one side does not know yet must not break the other.
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private AgentWire() {}

    /**
     * Writes and reads a request and a reply on a daemon thread: the first of each otherwise
     * waits for Jackson to load and link (about 0.4 s at a test run's first recorded test, on
     * both ends). For either end to call while it waits for the other to start. A class of its
     * own: calling it leaves AgentWire (and its mapper) to be initialized on that thread.
     */
    public static final class WarmUp {
        private WarmUp() {}

        public static void inBackground() {
            Thread t = new Thread(() -> {
                try {
                    request(line(new AgentRequest.Begin("warm-up", java.util.List.of(1L))));
                    request(line(new AgentRequest.End("warm-up", "/warm-up.har")));
                    reply(line(AgentReply.ended(new AgentReply.SegmentSummary(1, 0, 0))));
                } catch (JsonProcessingException | RuntimeException e) {
                    // only a warm-up: the first real message loads what this did not
                }
            }, "recordtls-wire-warm-up");
            t.setDaemon(true);
            t.start();
        }
    }

    /** The line that says the agent listens, and where. */
    public static String ready(java.nio.file.Path socket) {
        return READY + socket;
    }

    /** The socket a {@link #ready} line names, or null for any other line. */
    public static java.nio.file.Path socketIn(String line) {
        return line != null && line.startsWith(READY) && line.length() > READY.length()
                ? java.nio.file.Path.of(line.substring(READY.length())) : null;
    }

    public static String line(AgentRequest request) {
        return write(request);
    }

    public static String line(AgentReply reply) {
        return write(reply);
    }

    /** A request line; a line that is none says why in the exception's message. */
    public static AgentRequest request(String line) throws JsonProcessingException {
        return JSON.readValue(line, AgentRequest.class);
    }

    public static AgentReply reply(String line) throws JsonProcessingException {
        return JSON.readValue(line, AgentReply.class);
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("records of plain values always serialise", e);
        }
    }
}
