package io.recordtls.cli;

import io.recordtls.agent.AgentWire;
import io.recordtls.recorder.demo.DemoHttpsServer;
import io.recordtls.recorder.e2e.BpfRequirement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The path the README documents for a user without privileges, for real: root installs the agent
 * ({@code agent install}) and gives a new user the README's sudoers rule; that user starts it with
 * {@code sudo -n -- COMMAND --parent-pid PID} as the JUnit extension does, records their own curl,
 * and gets the HAR as theirs. Another user cannot use that agent, and the rule lets the user run
 * nothing else as root, whatever they add after the command.
 */
class SudoAgentTest {
    static final int NOBODY = 65534;
    /** The agent's client, as the user: one reply line per request; "!CMD" runs CMD in between (in the recorded tree). */
    static final String CLIENT = """
            import os, socket, subprocess, sys
            os.umask(int(sys.argv[2], 8))
            s = socket.socket(socket.AF_UNIX)
            s.connect(sys.argv[1])
            f = s.makefile('rw')
            for request in sys.argv[3:]:
                if request.startswith('!'):
                    print('ran', subprocess.run(request[1:], shell=True).returncode, flush=True)
                    continue
                f.write(request.replace('"$SELF"', str(os.getpid())) + "\\n")
                f.flush()
                line = f.readline()
                print(line.strip() if line else "(closed)", flush=True)
            """;

    static DemoHttpsServer server;
    static String user;
    static int uid;
    /** The user's own group (useradd --user-group; not always numbered as the uid). */
    static int gid;
    static Path prefix;
    static Path command;
    static Path sudoers;

    /** The user's directory (0711: the second user may run the client in it, not list it). */
    Path home;
    Process agent;

    @BeforeAll
    static void aUserWithTheReadmesSudoRule() throws Exception {
        BpfRequirement.check(); // as root: we make a user and a sudoers rule
        boolean sudo = Files.isExecutable(Path.of("/usr/bin/sudo"));
        if (!sudo && "1".equals(System.getenv("RECORDTLS_REQUIRE_BPF"))) {
            throw new AssertionError("sudo is required (RECORDTLS_REQUIRE_BPF=1): scripts/test.sh installs it");
        }
        Assumptions.assumeTrue(sudo, "no /usr/bin/sudo here (scripts/test.sh installs it)");
        server = DemoHttpsServer.start();
        user = "rtls" + Long.toHexString(ProcessHandle.current().pid()) + Long.toHexString(System.nanoTime() & 0xffff);
        assertThat(root("useradd", "--system", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", user).exit()).isZero();
        uid = Integer.parseInt(root("id", "-u", user).out().strip());
        gid = Integer.parseInt(root("id", "-g", user).out().strip());
        // root's alone all the way up, as 'agent install' demands, and reachable for the user
        prefix = Files.createTempDirectory("recordtls-sudo-prefix-");
        Files.setPosixFilePermissions(prefix, PosixFilePermissions.fromString("rwxr-xr-x"));
        CliTest.Result installed = root(CliTest.cli("agent", "install", "--prefix", prefix.toString(),
                "--jar", AgentSecurityTest.recorderJar().toString()).toArray(String[]::new));
        assertThat(installed.exit()).as(installed.err()).isZero();
        command = prefix.resolve("libexec/recordtls-agent").toRealPath();
        // a name sudo reads (no dot), removed after
        sudoers = Path.of("/etc/sudoers.d/recordtls-test-" + user);
        Files.writeString(sudoers, user + " ALL=(root) NOPASSWD: " + command + "\n");
        Files.setPosixFilePermissions(sudoers, PosixFilePermissions.fromString("r--r-----"));
        assertThat(root("visudo", "-c", "-f", sudoers.toString()).exit()).isZero();
    }

    @AfterAll
    static void removeUserAndRule() throws Exception {
        if (sudoers != null) {
            Files.deleteIfExists(sudoers);
        }
        if (user != null) {
            root("userdel", "--force", user); // even if a process of theirs is still ending
        }
        if (prefix != null) {
            root("rm", "-rf", prefix.toString());
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void usersHome() throws IOException {
        home = Files.createTempDirectory("recordtls-sudo-home-");
        Files.writeString(home.resolve("client.py"), CLIENT);
        Files.setPosixFilePermissions(home.resolve("client.py"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setAttribute(home, "unix:uid", uid);
        Files.setAttribute(home, "unix:gid", gid);
    }

    @AfterEach
    void stopAgent() throws Exception {
        if (agent != null) {
            agent.destroy();
            agent.waitFor(30, TimeUnit.SECONDS);
        }
        root("rm", "-rf", home.toString());
    }

    @Test
    void theUserStartsTheAgentThroughSudoRecordsTheirOwnCurlAndGetsTheHarAsTheirs() throws Exception {
        // exactly what the extension runs when its JVM may not load eBPF programs (AgentLauncher)
        ProcessBuilder pb = new ProcessBuilder("runuser", "-u", user, "--", "sudo", "-n", "--", command.toString(),
                "--parent-pid", Long.toString(ProcessHandle.current().pid())).redirectError(ProcessBuilder.Redirect.INHERIT);
        agent = pb.start();
        String first = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8)).readLine();
        Path socket = AgentWire.socketIn(first);
        assertThat(socket).as("the agent's first line: %s", first).isNotNull();

        // setpriv execs (runuser would fork and wait): the sleep itself is killed after
        Process usersSleep = new ProcessBuilder("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "sleep", "120").start();
        Path har = home.resolve("recordings/sudo.har");
        try {
            List<String> replies = ask(List.of("runuser", "-u", user, "--"), "027", socket,
                    "{\"op\":\"begin\",\"segment\":\"t\",\"pids\":[\"$SELF\"]}",
                    "!curl -sSk --noproxy '*' -o /dev/null " + server.baseUrl() + "/hello?via=sudo",
                    "{\"op\":\"end\",\"segment\":\"t\",\"har\":\"" + har + "\"}");
            assertThat(replies).containsExactly("{\"ok\":true}", "ran 0",
                    "{\"ok\":true,\"segment\":{\"entries\":1,\"incompleteEntries\":0,\"droppedEvents\":0}}");

            // a second user may not use it, neither to record the first user's process nor at all
            List<String> stranger = ask(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"), "022", socket,
                    "{\"op\":\"add\",\"pid\":" + usersSleep.pid() + "}");
            assertThat(stranger).singleElement().asString().contains("\"ok\":false").contains("serves uid " + uid + " only");
        } finally {
            usersSleep.destroyForcibly();
        }
        String recorded = Files.readString(har);
        assertThat(recorded).contains("/hello?via=sudo").contains("hello from recordtls demo");
        for (Path p : List.of(har, har.getParent())) {
            assertThat(((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue()).as("owner of %s", p).isEqualTo(uid);
            assertThat(((Number) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)).intValue()).as("group of %s", p).isEqualTo(gid);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(har))).as("the user's umask 027").isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(har.getParent()))).isEqualTo("rwxr-x---");

        assertThat(ask(List.of("runuser", "-u", user, "--"), "022", socket, "{\"op\":\"shutdown\"}")).containsExactly("{\"ok\":true}");
        assertThat(agent.waitFor(60, TimeUnit.SECONDS)).as("the agent ends when told").isTrue();
    }

    @Test
    void theRuleLetsTheUserRunNothingElseAsRoot() throws Exception {
        Path installedJar = prefix.resolve("lib/recordtls/recordtls-recorder.jar");
        Path theirs = Files.writeString(home.resolve("mine.jar"), "the user's code\n");
        Files.setAttribute(theirs, "unix:uid", uid);

        // picocli would expand @FILE as root and print the file's lines back as unmatched arguments
        CliTest.Result atFile = asUser("sudo", "-n", command.toString(), "@/etc/shadow");
        assertThat(atFile.exit()).isEqualTo(2);
        assertThat(atFile.out() + atFile.err()).doesNotContain("root:").contains("@/etc/shadow");

        // 'install' would put the user's jar where root runs it from
        CliTest.Result install = asUser("sudo", "-n", command.toString(), "install", "--prefix", prefix.toString(), "--jar", theirs.toString());
        assertThat(install.exit()).isNotZero();
        assertThat(Files.mismatch(installedJar, AgentSecurityTest.recorderJar())).as("the installed jar is untouched").isEqualTo(-1L);

        // another classpath or main only reach the agent's option parser
        CliTest.Result classpath = asUser("sudo", "-n", command.toString(), "-cp", home.toString(), "Evil");
        assertThat(classpath.exit()).isEqualTo(2);
        assertThat(classpath.err()).contains("Unknown option");

        // the environment is not the user's to set, nor is any other command theirs to run
        CliTest.Result env = asUser("sudo", "-n", "JAVA_TOOL_OPTIONS=-javaagent:" + theirs, command.toString(), "--help");
        assertThat(env.exit()).isEqualTo(1);
        assertThat(env.out()).doesNotContain("Usage");
        String java = Files.readAllLines(command).stream().filter(l -> l.startsWith("exec ")).findFirst().orElseThrow()
                .replaceAll(".* '([^']*bin/java)'.*", "$1");
        CliTest.Result otherCommand = asUser("sudo", "-n", java, "-cp", installedJar.toString(), "io.recordtls.recorder.commandline.AgentCommand");
        assertThat(otherCommand.exit()).isEqualTo(1);
        assertThat(otherCommand.err()).contains("a password is required");
    }

    /** Runs the client as whoever {@code as} makes it, with that umask; one reply line per request. */
    private List<String> ask(List<String> as, String umask, Path socket, String... requests) throws Exception {
        List<String> cmd = new ArrayList<>(as);
        cmd.addAll(List.of("/usr/bin/python3", home.resolve("client.py").toString(), socket.toString(), umask));
        cmd.addAll(List.of(requests));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return out.lines().toList();
    }

    private CliTest.Result asUser(String... cmd) throws Exception {
        List<String> all = new ArrayList<>(List.of("runuser", "-u", user, "--"));
        all.addAll(List.of(cmd));
        return root(all.toArray(String[]::new));
    }

    private static CliTest.Result root(String... cmd) throws Exception {
        Path out = Files.createTempFile("recordtls-sudo-out", ".txt"), err = Files.createTempFile("recordtls-sudo-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("%s ends", List.of(cmd)).isTrue();
            return new CliTest.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
