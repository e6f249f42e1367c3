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

    /** The subcommands, in the order help lists them. */
    private static final java.util.Map<String, Class<?>> COMMANDS = commands();

    private static java.util.Map<String, Class<?>> commands() {
        java.util.Map<String, Class<?>> c = new java.util.LinkedHashMap<>();
        c.put("record", RecordCommand.class);
        c.put("doctor", DoctorCommand.class);
        c.put("demo", DemoCommand.class);
        c.put("stubs", StubsCommand.class);
        c.put("replay", ReplayCommand.class);
        c.put("agent", AgentCommand.class);
        c.put("help", CommandLine.HelpCommand.class);
        return java.util.Collections.unmodifiableMap(c);
    }

    /** Every subcommand: for help, and for a command line that names none of them. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for these arguments: only the subcommand they name is built when they name
     * one. picocli reads every option of every subcommand it is given by reflection, which loads
     * the classes of their fields (the replayer's, WireMock's): about 0.2 s of each recording's
     * start went to commands that were never run (RECORDTLS_PHASES, 'command line parsed').
     */
    public static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new RecordTlsCli());
        Class<?> named = args.length > 0 && !args[0].equals("help") ? COMMANDS.get(args[0]) : null;
        if (named != null) {
            cl.addSubcommand(args[0], named);
        } else {
            COMMANDS.forEach(cl::addSubcommand);
        }
        // the commands' descriptions are written as lines of up to 105 columns: at picocli's
        // default of 80 each of them wrapped on its own, into a ragged half line after every line
        cl.setUsageHelpWidth(110);
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
        int exit = commandLine(args).execute(args);
        io.recordtls.recorder.PhaseLog.mark("exit");
        System.exit(exit);
    }
}
