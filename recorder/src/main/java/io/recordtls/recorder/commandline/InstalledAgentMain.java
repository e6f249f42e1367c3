package io.recordtls.recorder.commandline;

import picocli.CommandLine;

/**
 * The entry point of the command {@code agent install} installs, the one a sudoers rule names:
 * the agent and nothing else. Whatever a user adds after that command under sudo reaches only the
 * agent's own options: not {@code install} (it would put a jar of theirs where root runs it from),
 * not {@code @FILE} (picocli would read any file as root and echo its lines back as unknown
 * arguments: /etc/shadow included).
 */
public final class InstalledAgentMain {
    private InstalledAgentMain() {}

    public static void main(String[] args) {
        CommandLine agent = AgentCommand.commandLine();
        agent.getCommandSpec().removeSubcommand("install");
        System.exit(agent.execute(args));
    }
}
