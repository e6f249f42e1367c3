package io.recordtls.agent;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.util.List;

/**
 * What a test run asks of its privileged recorder, one JSON object per line on the agent's
 * socket; each gets one {@link AgentReply}. The {@code op} field names the request.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
        @JsonSubTypes.Type(value = AgentRequest.Begin.class, name = "begin"),
        @JsonSubTypes.Type(value = AgentRequest.Add.class, name = "add"),
        @JsonSubTypes.Type(value = AgentRequest.ContainerParent.class, name = "containerParent"),
        @JsonSubTypes.Type(value = AgentRequest.Container.class, name = "container"),
        @JsonSubTypes.Type(value = AgentRequest.Snapshot.class, name = "snapshot"),
        @JsonSubTypes.Type(value = AgentRequest.End.class, name = "end"),
        @JsonSubTypes.Type(value = AgentRequest.Shutdown.class, name = "shutdown")})
public sealed interface AgentRequest {
    /** Record these processes (and what they start) from now on, into a new segment. */
    record Begin(String segment, List<Long> pids) implements AgentRequest {
        public Begin {
            pids = pids == null ? List.of() : List.copyOf(pids);
        }
    }

    /** Record one more process (and what it starts); returns once a JVM among them records too. */
    record Add(long pid) implements AgentRequest {}

    /**
     * A parent cgroup under which Docker starts containers that are recorded from their first
     * instruction; {@code driver} is Docker's cgroup driver (cgroupfs or systemd).
     */
    record ContainerParent(String driver) implements AgentRequest {}

    /** Record a running container (its full id) from now on: every process in its cgroup. */
    record Container(String id) implements AgentRequest {}

    /** Write the segment so far to {@code har}, a file in the run's scratch directory. */
    record Snapshot(String segment, String har) implements AgentRequest {}

    /** End the segment and write its HAR to {@code har}, a file in the run's scratch directory. */
    record End(String segment, String har) implements AgentRequest {}

    /** The run is over: detach the probes and exit. */
    record Shutdown() implements AgentRequest {}
}
