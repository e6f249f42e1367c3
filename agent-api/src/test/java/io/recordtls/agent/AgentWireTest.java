package io.recordtls.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentWireTest {
    @Test
    void everyRequestTravelsAsOneLineAndComesBackTheSame() throws JsonProcessingException {
        List<AgentRequest> requests = List.of(new AgentRequest.Begin("t1", List.of(10L, 20L)), new AgentRequest.Add(30),
                new AgentRequest.ContainerParent("systemd"), new AgentRequest.Container("abc123"),
                new AgentRequest.Snapshot("t1", "/run/x/s.har"), new AgentRequest.End("t1", "/run/x/e.har"), new AgentRequest.Shutdown());
        for (AgentRequest r : requests) {
            String line = AgentWire.line(r);
            assertThat(line).doesNotContain("\n");
            assertThat(AgentWire.request(line)).isEqualTo(r);
        }
        assertThat(AgentWire.line(new AgentRequest.Add(30))).isEqualTo("{\"op\":\"add\",\"pid\":30}");
    }

    @Test
    void repliesCarryOnlyWhatApplies() throws JsonProcessingException {
        assertThat(AgentWire.line(AgentReply.done())).isEqualTo("{\"ok\":true}");
        AgentReply ended = AgentReply.ended(new AgentReply.SegmentSummary(3, 1, 0));
        assertThat(AgentWire.reply(AgentWire.line(ended))).isEqualTo(ended);
        assertThat(AgentWire.reply("{\"ok\":false,\"error\":\"no such segment\",\"later\":1}").error()).isEqualTo("no such segment");
    }

    @Test
    void aLineThatIsNoRequestSaysWhy() throws JsonProcessingException {
        assertThatThrownBy(() -> AgentWire.request("{\"op\":\"format-disk\"}"))
                .isInstanceOf(JsonProcessingException.class).hasMessageContaining("format-disk");
        assertThat(AgentWire.request("{\"op\":\"begin\",\"segment\":\"s\"}")).isEqualTo(new AgentRequest.Begin("s", List.of()));
    }

    /** The agent chooses its socket's place and says it on its ready line; anything else it prints is no socket. */
    @Test
    void theReadyLineNamesTheAgentsSocket() {
        java.nio.file.Path socket = java.nio.file.Path.of("/tmp/recordtls-agent-123/agent.sock");
        assertThat(AgentWire.socketIn(AgentWire.ready(socket))).isEqualTo(socket);
        assertThat(AgentWire.socketIn("recordtls agent: ready on ")).isNull();
        assertThat(AgentWire.socketIn("Picked up JAVA_TOOL_OPTIONS: -Dx")).isNull();
        assertThat(AgentWire.socketIn(null)).isNull();
    }
}
