package io.recordtls.recorder.agent;

import io.recordtls.recorder.bpf.LibC;

/**
 * A process the agent checks and then records, held by a pidfd from before the check until after
 * it is in scope: a pid alone could meanwhile name another user's process (the caller's ended and
 * its pid was reused), which would be recorded on the strength of the first one's check. The
 * pidfd names the checked process itself: while it still runs after the scope is set, the pid in
 * scope is that process's.
 */
final class HeldProcess implements AutoCloseable {
    private final long pid;
    private final int pidfd;

    private HeldProcess(long pid, int pidfd) {
        this.pid = pid;
        this.pidfd = pidfd;
    }

    /** Held from now on, before anything about it is read; a process that does not exist is refused. */
    static HeldProcess of(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("no process " + pid);
        }
        int fd = LibC.pidfdOpen(pid);
        if (fd < 0) {
            throw new IllegalArgumentException("no process " + pid);
        }
        return new HeldProcess(pid, fd);
    }

    long pid() {
        return pid;
    }

    /** Whether the process held still runs (then its pid is still its own). */
    boolean alive() {
        return LibC.pidfdAlive(pidfd);
    }

    /** Fails when the process held has ended: what its pid names now may be another's. */
    void requireAlive() {
        if (!alive()) {
            throw new IllegalArgumentException(endedMessage());
        }
    }

    String endedMessage() {
        return "process " + pid + " ended while it was being added: not recorded (its pid may be another process's by now)";
    }

    @Override
    public void close() {
        LibC.close(pidfd);
    }
}
