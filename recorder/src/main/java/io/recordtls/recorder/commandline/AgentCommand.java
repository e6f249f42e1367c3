package io.recordtls.recorder.commandline;

import io.recordtls.recorder.RecorderOptions;
import io.recordtls.recorder.agent.RecordingAgent;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The privileged recorder a test run starts (see junit-extension): the main class of the
 * recorder's runnable jar, and the CLI's hidden {@code agent} command. Not for direct use.
 */
@Command(name = "agent", hidden = true, mixinStandardHelpOptions = true,
        description = "Serves recordings to a test run over a Unix domain socket (started by the JUnit extension).")
public final class AgentCommand implements Callable<Integer> {
    @Option(names = "--socket", required = true, paramLabel = "PATH")
    Path socket;

    @Option(names = "--owner-uid", defaultValue = "-1", paramLabel = "UID", description = "the user who may connect and owns the HAR files")
    int ownerUid;

    @Option(names = "--parent-pid", defaultValue = "0", paramLabel = "PID", description = "exit when this process is gone")
    long parentPid;

    @Option(names = "--max-body", paramLabel = "SIZE", converter = Sizes.class, defaultValue = "64m")
    long maxBody;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AgentCommand()).execute(args));
    }

    @Override
    public Integer call() {
        Integer unprivileged = Failures.unprivileged(spec.commandLine().getErr());
        if (unprivileged != null) {
            return unprivileged;
        }
        try (RecordingAgent agent = RecordingAgent.start(socket, ownerUid, RecorderOptions.defaults().withMaxBody(maxBody))) {
            StopSignals.onStop(number -> agent.shutdown());
            agent.serve(parentPid, System.out);
            return 0;
        } catch (Exception | ExceptionInInitializerError | NoClassDefFoundError e) {
            return Failures.report(spec.commandLine().getErr(), e);
        }
    }
}
