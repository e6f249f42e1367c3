package io.recordtls.cli;

import io.recordtls.agent.AgentWire;
import io.recordtls.recorder.e2e.BpfRequirement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The privileged agent as a hostile local user would meet it: installed by root, started the way
 * sudo starts it (as root, SUDO_UID naming the user), asked by a real second uid (nobody, 65534)
 * to record root's and other users' processes and to write where that user may not. It must act
 * only for its caller, on the caller's things.
 */
class AgentSecurityTest {
    static final int NOBODY = 65534;
    static final String CLIENT = """
            import os, socket, sys
            os.umask(int(sys.argv[2], 8))
            s = socket.socket(socket.AF_UNIX)
            s.connect(sys.argv[1])
            f = s.makefile('rw')
            for request in sys.argv[3:]:
                f.write(request.replace('"$SELF"', str(os.getpid())) + "\\n")
                f.flush()
                line = f.readline()
                print(line.strip() if line else "(closed)", flush=True)
            """;

    @TempDir
    Path tmp;
    /** A directory of nobody's, outside the test's private temp directory (which nobody cannot enter). */
    Path home;
    Process agent;
    /** Root's files outside the test's temp directory, where nobody may look but not write; removed after. */
    Path runDir;

    @BeforeEach
    void nobodysHome() throws IOException {
        home = Files.createTempDirectory("recordtls-nobody-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx--x--x")); // the client is run by another user too
        Files.writeString(home.resolve("client.py"), CLIENT);
        Files.setPosixFilePermissions(home.resolve("client.py"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setAttribute(home.resolve("client.py"), "unix:uid", NOBODY);
        Files.setAttribute(home, "unix:uid", NOBODY);
        Files.setAttribute(home, "unix:gid", NOBODY);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (agent != null) {
            agent.destroy();
            agent.waitFor(30, TimeUnit.SECONDS);
        }
        new ProcessBuilder("rm", "-rf", home.toString()).start().waitFor();
        if (runDir != null) {
            new ProcessBuilder("rm", "-rf", runDir.toString()).start().waitFor();
        }
    }

    /** The recorder's runnable jar this build made (the reactor packaged it before these tests). */
    static Path recorderJar() throws IOException {
        try (var files = Files.list(Path.of("../recorder/target").toAbsolutePath().normalize())) {
            return files.filter(p -> p.getFileName().toString().matches("recordtls-recorder-.*-all\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no recordtls-recorder-*-all.jar in recorder/target: package the recorder first"));
        }
    }

    private Path install() throws Exception {
        Path prefix = tmp.resolve("prefix");
        CliTest.Result r = run(CliTest.cli("agent", "install", "--prefix", prefix.toString(), "--jar", recorderJar().toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("NOPASSWD: " + prefix.resolve("libexec/recordtls-agent").toRealPath());
        return prefix.resolve("libexec/recordtls-agent");
    }

    private CliTest.Result run(List<String> cmd) throws Exception {
        return run(cmd, null);
    }

    private CliTest.Result run(List<String> cmd, String sudoUid) throws Exception {
        Path out = tmp.resolve("out"), err = tmp.resolve("err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (sudoUid != null) {
            pb.environment().put("SUDO_UID", sudoUid);
        }
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new CliTest.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Starts the installed agent as sudo would for nobody; returns its socket. */
    private Path startAsSudoWould(Path command) throws Exception {
        // sudo gives root's groups (initgroups: group root at least), which a test JVM may not have
        ProcessBuilder pb = new ProcessBuilder("setpriv", "--groups=0", "--", command.toString(),
                "--parent-pid", Long.toString(ProcessHandle.current().pid()))
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("SUDO_UID", Integer.toString(NOBODY));
        agent = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        Path socket = AgentWire.socketIn(line);
        assertThat(socket).as("the agent's first line: %s", line).isNotNull();
        return socket;
    }

    /** Runs the client as uid {@code uid} (with that gid, no other groups) and umask; one reply line per request. */
    private List<String> ask(int uid, String umask, Path socket, String... requests) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--inh-caps=-all", "--",
                "/usr/bin/python3", home.resolve("client.py").toString(), socket.toString(), umask));
        cmd.addAll(List.of(requests));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out.lines().toList();
    }

    @Test
    void theAgentActsOnlyForItsCallerOnTheCallersThings() throws Exception {
        BpfRequirement.check();
        Path command = install();
        Path socket = startAsSudoWould(command);

        // its socket is its own: a fresh directory of root's that nobody can list or plant in
        Path socketDir = socket.getParent();
        assertThat(((Number) Files.getAttribute(socketDir, "unix:uid")).intValue()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDir))).isEqualTo("rwx--x--x");

        Process otherUser = new ProcessBuilder("setpriv", "--reuid=4242", "--regid=4242", "--clear-groups", "sleep", "120").start();
        Path rootOnly = Files.writeString(tmp.resolve("root-only"), "root's\n"); // in root's 0700 temp directory
        runDir = Files.createDirectories(Path.of("/run/recordtls-test-" + ProcessHandle.current().pid()));
        Path victim = runDir.resolve("victim");
        Files.writeString(victim, "root's file\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(home.resolve("planted.har"), victim);
        // writable for group root, which root's processes are in: not for nobody
        Path groupRoot = Files.createDirectory(victim.resolveSibling("group-root"));
        Files.setPosixFilePermissions(groupRoot, PosixFilePermissions.fromString("rwxrwx---"));
        try {
            List<String> replies = ask(NOBODY, "027", socket,
                    "{\"op\":\"begin\",\"segment\":\"root\",\"pids\":[1]}",
                    "{\"op\":\"add\",\"pid\":" + otherUser.pid() + "}",
                    "{\"op\":\"begin\",\"segment\":\"own\",\"pids\":[\"$SELF\"]}",
                    "{\"op\":\"snapshot\",\"segment\":\"own\",\"har\":\"" + tmp.resolve("stolen.har") + "\"}",
                    "{\"op\":\"snapshot\",\"segment\":\"own\",\"har\":\"" + rootOnly + "\"}",
                    "{\"op\":\"snapshot\",\"segment\":\"own\",\"har\":\"" + home.resolve("planted.har") + "\"}",
                    "{\"op\":\"snapshot\",\"segment\":\"own\",\"har\":\"" + groupRoot.resolve("x.har") + "\"}",
                    "{\"op\":\"end\",\"segment\":\"own\",\"har\":\"" + home.resolve("sub/own.har") + "\"}",
                    "{\"op\":\"containerParent\",\"driver\":\"cgroupfs\"}",
                    "{\"op\":\"begin\",\"segment\":\"again\",\"pids\":[\"$SELF\"]}",
                    "{\"op\":\"snapshot\",\"segment\":\"again\",\"har\":\"relative.har\"}");
            assertThat(replies).hasSize(11);
            assertThat(replies.get(0)).contains("\"ok\":false").contains("process 1 (").contains("runs as uid 0")
                    .contains("only the processes of its caller, uid 65534");
            assertThat(replies.get(1)).contains("\"ok\":false").contains("runs as uid 4242");
            assertThat(replies.get(2)).isEqualTo("{\"ok\":true}");
            assertThat(replies.get(3)).contains("\"ok\":false").containsIgnoringCase("permission denied");
            assertThat(replies.get(4)).contains("\"ok\":false").containsIgnoringCase("permission denied");
            assertThat(replies.get(5)).isEqualTo("{\"ok\":true}");
            assertThat(replies.get(6)).as("into a directory of group root's").contains("\"ok\":false").containsIgnoringCase("permission denied");
            assertThat(replies.get(7)).startsWith("{\"ok\":true,");
            assertThat(replies.get(8)).contains("\"ok\":false").contains("may not use the Docker engine");
            assertThat(replies.get(10)).contains("\"ok\":false").contains("a HAR's path must be absolute: relative.har");
        } finally {
            otherUser.destroyForcibly();
        }
        assertThat(tmp.resolve("stolen.har")).doesNotExist();
        assertThat(Files.readString(rootOnly)).isEqualTo("root's\n");
        assertThat(Files.readString(victim)).as("the file a planted symlink pointed at").isEqualTo("root's file\n");
        try (var written = Files.list(groupRoot)) {
            assertThat(written.toList()).as("written in a directory of group root's").isEmpty();
        }
        Path planted = home.resolve("planted.har");
        assertThat(Files.isSymbolicLink(planted)).as("the symlink was replaced, not followed").isFalse();
        for (Path har : List.of(planted, home.resolve("sub/own.har"), home.resolve("sub"))) {
            assertThat(((Number) Files.getAttribute(har, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS)).intValue())
                    .as("owner of %s", har).isEqualTo(NOBODY);
            assertThat(((Number) Files.getAttribute(har, "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS)).intValue())
                    .as("group of %s", har).isEqualTo(NOBODY);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("sub/own.har"))))
                .as("the caller's umask 027").isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("sub")))).isEqualTo("rwxr-x---");
        assertThat(Files.readString(home.resolve("sub/own.har"))).contains("\"version\" : \"1.2\"");

        // another user (root included) is not served at all
        List<String> stranger = ask(4242, "022", socket, "{\"op\":\"shutdown\"}");
        assertThat(stranger).singleElement().asString().contains("serves uid 65534 only");
        assertThat(agent.isAlive()).isTrue();

        assertThat(ask(NOBODY, "022", socket, "{\"op\":\"shutdown\"}")).containsExactly("{\"ok\":true}");
        assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(socketDir).as("the agent removes its own directory").doesNotExist();
    }

    /**
     * As the container placement starts it (root in a container, the run's scratch directory
     * mounted): its own directory inside the one it is given, served to the owner it is told.
     */
    @Test
    void outsideSudoTheAgentMakesItsDirectoryWhereItIsToldAndServesTheOwnerItIsTold() throws Exception {
        BpfRequirement.check();
        ProcessBuilder pb = new ProcessBuilder(CliTest.cli("agent", "--socket-dir", home.toString(), "--owner-uid", Integer.toString(NOBODY),
                "--parent-pid", Long.toString(ProcessHandle.current().pid()))).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().remove("SUDO_UID");
        agent = pb.start();
        Path socket = AgentWire.socketIn(new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8)).readLine());
        assertThat(socket).isNotNull();
        assertThat(socket.getParent().getParent()).isEqualTo(home);
        assertThat(socket.getParent().getFileName().toString()).startsWith("recordtls-agent-");
        assertThat(ask(NOBODY, "022", socket, "{\"op\":\"shutdown\"}")).containsExactly("{\"ok\":true}");
        assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(socket.getParent()).doesNotExist();
    }

    /**
     * The pid of a process the caller may record is checked, the process ends, and another user's
     * process takes its pid before the scope is set (forced here: the agent pauses between check
     * and scope, the test kills the process and sets the kernel's last pid so that the next fork
     * gets it). The other user's process must not be recorded.
     */
    @Test
    void aPidReusedByAnotherUserBetweenCheckAndScopeIsNotRecorded() throws Exception {
        BpfRequirement.check();
        io.recordtls.recorder.demo.DemoHttpsServer server = io.recordtls.recorder.demo.DemoHttpsServer.start();
        List<String> cmd = CliTest.cli("agent", "--socket-dir", home.toString(), "--owner-uid", Integer.toString(NOBODY),
                "--parent-pid", Long.toString(ProcessHandle.current().pid()));
        cmd.add(cmd.indexOf("-cp"), "-Drecordtls.test.addDelayMs=5000");
        agent = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Path socket = AgentWire.socketIn(new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8)).readLine());
        assertThat(socket).isNotNull();
        Files.writeString(home.resolve("client2.py"), SudoAgentTest.CLIENT);
        Files.setPosixFilePermissions(home.resolve("client2.py"), PosixFilePermissions.fromString("rw-r--r--"));

        Process victim = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "sleep", "120").start();
        long pid = victim.pid();
        Path har = home.resolve("reuse.har");
        Process client = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--",
                "/usr/bin/python3", home.resolve("client2.py").toString(), socket.toString(), "022",
                "{\"op\":\"begin\",\"segment\":\"s\",\"pids\":[\"$SELF\"]}",
                "{\"op\":\"add\",\"pid\":" + pid + "}",
                "!sleep 10",
                "{\"op\":\"end\",\"segment\":\"s\",\"har\":\"" + har + "\"}")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long otherPid = -1;
        try {
            BufferedReader replies = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            assertThat(replies.readLine()).isEqualTo("{\"ok\":true}"); // begun; the add is being checked now
            Thread.sleep(500);
            victim.destroyForcibly();
            assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue(); // reaped: its pid is free
            // uid 4242 takes the pid, and a little later makes a TLS request from a child
            String takeThePid = "echo " + (pid - 1) + " > /proc/sys/kernel/ns_last_pid; setpriv --reuid=4242 --regid=4242 --clear-groups"
                    + " /bin/sh -c \"sleep 3; curl -sk --noproxy '*' -o /dev/null '" + server.baseUrl() + "/hello?who=other'\""
                    + " </dev/null >/dev/null 2>&1 & echo $!";
            for (int attempt = 0; attempt < 200 && otherPid != pid; attempt++) {
                Process sh = new ProcessBuilder("/bin/sh", "-c", takeThePid).start();
                long got = Long.parseLong(new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
                sh.waitFor();
                if (got == pid) {
                    otherPid = got;
                } else {
                    ProcessHandle.of(got).ifPresent(ProcessHandle::destroyForcibly); // another fork took it first: again
                }
            }
            assertThat(otherPid).as("another user's process took pid %d", pid).isEqualTo(pid);
            assertThat(replies.readLine()).as("the add, checked against the process that ended")
                    .contains("\"ok\":false").contains("process " + pid + " ended while it was being added");
            assertThat(replies.readLine()).isEqualTo("ran 0");
            assertThat(replies.readLine()).startsWith("{\"ok\":true,");
            assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            client.destroyForcibly();
            victim.destroyForcibly();
            if (otherPid == pid) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.descendants().forEach(ProcessHandle::destroyForcibly);
                    h.destroyForcibly();
                });
            }
            server.close();
        }
        assertThat(Files.readString(har)).as("the other user's request").doesNotContain("who=other");
    }

        @Test
    void underSudoTheUserCannotPickAnotherOwnerNorTheSocketsPlace() throws Exception {
        BpfRequirement.check();
        Path command = install();
        Path existing = Files.writeString(tmp.resolve("precious"), "keep me\n");
        CliTest.Result owner = run(List.of(command.toString(), "--owner-uid", "0"), Integer.toString(NOBODY));
        assertThat(owner.exit()).isEqualTo(2);
        assertThat(owner.err()).contains("--owner-uid 0 is not the user who ran sudo (uid 65534)");
        CliTest.Result dir = run(List.of(command.toString(), "--socket-dir", tmp.toString()), Integer.toString(NOBODY));
        assertThat(dir.exit()).isEqualTo(2);
        assertThat(dir.err()).contains("--socket-dir is not for an agent started through sudo");
        CliTest.Result socket = run(List.of(command.toString(), "--socket", existing.toString()), Integer.toString(NOBODY));
        assertThat(socket.exit()).as("no option names a path the agent would delete").isEqualTo(2);
        assertThat(Files.readString(existing)).isEqualTo("keep me\n");
    }

    @Test
    void theInstallRefusesCodeOrDirectoriesAnotherUserCouldChange() throws Exception {
        BpfRequirement.check(); // as root
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx")); // no sticky bit
        Path fakeJava = Files.writeString(shared.resolve("java"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        CliTest.Result java = run(CliTest.cli("agent", "install", "--prefix", tmp.resolve("p1").toString(), "--jar", recorderJar().toString(),
                "--java", fakeJava.toString()));
        assertThat(java.exit()).isEqualTo(125);
        assertThat(java.err()).contains("the java to run the agent must be root's alone, but " + shared + " is writable by others");
        CliTest.Result prefix = run(CliTest.cli("agent", "install", "--prefix", shared.resolve("usr").toString(), "--jar", recorderJar().toString()));
        assertThat(prefix.exit()).isEqualTo(125);
        assertThat(prefix.err()).contains("the install directory must be root's alone").doesNotContain("\tat ");
    }
}
