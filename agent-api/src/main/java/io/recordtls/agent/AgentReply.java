package io.recordtls.agent;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The agent's answer to one {@link AgentRequest}: {@code ok} with what the request asked for
 * (the fields that do not apply are absent), or {@code error} saying what went wrong.
 *
 * @param cgroupParent for {@link AgentRequest.ContainerParent}: the name to give docker's --cgroup-parent
 * @param cgroup       for {@link AgentRequest.Container}: the container's cgroup now in scope
 * @param segment      for {@link AgentRequest.End}: what the segment's HAR holds
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentReply(boolean ok, String error, String cgroupParent, String cgroup, SegmentSummary segment) {
    /**
     * @param entries           the HAR's entries
     * @param incompleteEntries entries whose exchange was cut short
     * @param droppedEvents     ring-buffer events lost while the segment was open
     */
    public record SegmentSummary(int entries, int incompleteEntries, long droppedEvents) {}

    public static AgentReply done() {
        return new AgentReply(true, null, null, null, null);
    }

    public static AgentReply failed(String error) {
        return new AgentReply(false, error, null, null, null);
    }

    public static AgentReply cgroupParent(String name) {
        return new AgentReply(true, null, name, null, null);
    }

    public static AgentReply container(String cgroup) {
        return new AgentReply(true, null, null, cgroup, null);
    }

    public static AgentReply ended(SegmentSummary summary) {
        return new AgentReply(true, null, null, null, summary);
    }
}
