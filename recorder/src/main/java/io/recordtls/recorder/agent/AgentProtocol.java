package io.recordtls.recorder.agent;

/**
 * The agent speaks JSON, one object per line, over a Unix domain socket. Requests:
 * <pre>
 *   {"op":"begin","segment":ID,"pids":[PID...]}   record these processes (and their children) from now, into segment ID
 *   {"op":"add","pid":PID}                          record one more process (and its children)
 *   {"op":"containerParent","driver":D}           a parent cgroup for containers to record from their start; replies
 *                                                   {"cgroupParent":NAME} for docker's --cgroup-parent (D: its cgroup driver)
 *   {"op":"container","id":ID}                      record a running container (its full id) from now: its whole cgroup
 *   {"op":"snapshot","segment":ID,"har":PATH}       write the segment so far
 *   {"op":"end","segment":ID,"har":PATH}            end the segment, write its HAR
 *   {"op":"shutdown"}
 * </pre>
 * Each gets one reply: {"ok":true,...} or {"ok":false,"error":MESSAGE}. HAR files are written
 * by the agent and then given to the socket's owner.
 */
public final class AgentProtocol {
    public static final String READY = "recordtls agent: ready";

    private AgentProtocol() {}
}
