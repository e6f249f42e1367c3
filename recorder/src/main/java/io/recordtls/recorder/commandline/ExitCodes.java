package io.recordtls.recorder.commandline;

/** The exit codes the recorder's commands share (the CLI's and the agent's). */
public final class ExitCodes {
    /** recordtls itself failed: no privileges, no eBPF, I/O. */
    public static final int FAILED = 125;
    /** The command to record could not be run. */
    public static final int CANNOT_RUN = 126;
    /** The command to record was not found. */
    public static final int NOT_FOUND = 127;

    private ExitCodes() {}
}
