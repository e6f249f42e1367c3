package io.recordtls.cli;

import io.recordtls.recorder.Recorder;
import io.recordtls.recorder.commandline.AgentCommand;
import io.recordtls.recorder.commandline.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * recordtls: record the HTTPS exchanges of unmodified processes into HAR files.
 *
 * <p>Exit codes: 0 done; 1 a check failed (doctor); 2 usage error; 125 recordtls itself failed
 * (no privileges, no eBPF, I/O); 126/127 the command could not be run / was not found;
 * otherwise the recorded command's own exit status.
 */
@Command(name = "recordtls", mixinStandardHelpOptions = true, version = "recordtls " + Recorder.VERSION,
        description = "Records the HTTPS exchanges of unmodified processes with eBPF (no proxy, no CA) into HAR 1.2 files.",
        subcommands = {RecordCommand.class, DoctorCommand.class, DemoCommand.class, StubsCommand.class, ReplayCommand.class,
                AgentCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:a check failed (doctor)", "2:usage error",
                "125:recordtls failed (no privileges, no eBPF, I/O)", "126:the command could not be run",
                "127:the command was not found", "other:the recorded command's own exit status"})
public final class RecordTlsCli implements Runnable {
    public static final int EXIT_FAILED = ExitCodes.FAILED;
    public static final int EXIT_CANNOT_RUN = ExitCodes.CANNOT_RUN;
    public static final int EXIT_NOT_FOUND = ExitCodes.NOT_FOUND;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a command is needed: " + String.join(", ", spec.subcommands().keySet()));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new RecordTlsCli());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Expected failures have been reported by the commands; this is a bug: say so plainly.
            cmd.getErr().println("recordtls: internal error: " + e);
            if (System.getenv("RECORDTLS_DEBUG") != null) {
                e.printStackTrace(cmd.getErr());
            } else {
                cmd.getErr().println("recordtls: set RECORDTLS_DEBUG=1 for the stack trace");
            }
            return EXIT_FAILED;
        });
        return cl;
    }

    public static void main(String[] args) {
        io.recordtls.recorder.PhaseLog.mark("main");
        if (args.length > 0 && java.util.Set.of("record", "demo", "agent").contains(args[0])) {
            Recorder.prepare(); // while picocli reads the command line
        }
        int exit = commandLine().execute(args);
        io.recordtls.recorder.PhaseLog.mark("exit");
        System.exit(exit);
    }
}
