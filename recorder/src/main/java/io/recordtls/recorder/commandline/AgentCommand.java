package io.recordtls.recorder.commandline;

import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.agent.RecordingAgent;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The privileged recorder a test run starts (see junit-extension): the main class of the
 * recorder's runnable jar, and the CLI's hidden {@code agent} command. Not for direct use.
 * {@code agent install} puts it where root owns it, for a sudoers rule to name.
 */
@Command(name = "agent", hidden = true, mixinStandardHelpOptions = true, subcommands = AgentInstallCommand.class,
        description = "Serves recordings to a test run over a Unix domain socket (started by the JUnit extension).")
public final class AgentCommand implements Callable<Integer> {
    @Option(names = "--socket-dir", paramLabel = "DIR", description = "where the agent makes its own directory for its socket"
            + " (default: the temp directory; not under sudo)")
    Path socketDir;

    @Option(names = "--owner-uid", defaultValue = "-1", paramLabel = "UID", description = "the user it serves (under sudo: the one"
            + " who ran sudo, always)")
    int ownerUid;

    @Option(names = "--parent-pid", defaultValue = "0", paramLabel = "PID", description = "exit when this process is gone")
    long parentPid;

    @Option(names = "--max-body", paramLabel = "SIZE", converter = Sizes.class, defaultValue = "64m")
    long maxBody;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        io.recordtls.recorder.Recorder.prepare(); // while picocli reads the command line
        System.exit(commandLine().execute(args));
    }

    /** No {@code @FILE} arguments: none is needed, and as root picocli would read any file and print it back. */
    static CommandLine commandLine() {
        return new CommandLine(new AgentCommand()).setExpandAtFiles(false);
    }

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        Integer unprivileged = Failures.unprivileged(err);
        if (unprivileged != null) {
            return unprivileged;
        }
        int self = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue();
        String sudoUid = System.getenv("SUDO_UID");
        int owner;
        if (self == 0 && sudoUid != null && !sudoUid.isBlank()) {
            // under sudo the user is the one sudo names, whatever the arguments say; and the agent
            // makes its directory where root decides, not in one the user names
            owner = Integer.parseInt(sudoUid.strip());
            if (ownerUid >= 0 && ownerUid != owner) {
                err.println("recordtls agent: --owner-uid " + ownerUid + " is not the user who ran sudo (uid " + owner + ")");
                return 2; // a usage error, as picocli reports its own
            }
            if (socketDir != null) {
                err.println("recordtls agent: --socket-dir is not for an agent started through sudo");
                return 2; // a usage error, as picocli reports its own
            }
        } else {
            owner = ownerUid >= 0 ? ownerUid : self;
        }
        Path base = socketDir != null ? socketDir : Path.of(System.getProperty("java.io.tmpdir"));
        try (RecordingAgent agent = RecordingAgent.start(base, owner, RecorderOptions.defaults().withMaxBody(maxBody))) {
            StopSignals.onStop(number -> agent.shutdown());
            agent.serve(parentPid, System.out);
            return 0;
        } catch (Exception | ExceptionInInitializerError | NoClassDefFoundError e) {
            return Failures.report(err, e);
        }
    }
}
