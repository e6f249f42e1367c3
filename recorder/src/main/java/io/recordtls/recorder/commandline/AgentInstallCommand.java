package io.recordtls.recorder.commandline;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Installs the privileged recorder where only root can change it, for a sudoers rule to name:
 * PREFIX/lib/recordtls/recordtls-recorder.jar and the command PREFIX/libexec/recordtls-agent,
 * which runs it on a Java root owns, with an empty environment. Run once by root (again after
 * upgrading recordtls); a test run then starts {@code sudo -n PREFIX/libexec/recordtls-agent}.
 */
@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Installs the recorder for test runs as root's (for a sudoers rule to name); run as root.")
final class AgentInstallCommand implements Callable<Integer> {
    /** What the launcher looks for in the command to find the jar it runs. */
    static final String JAR_LINE = "# jar: ";

    @Option(names = "--prefix", defaultValue = "/usr/local", paramLabel = "DIR", description = "default: ${DEFAULT-VALUE}")
    Path prefix;

    @Option(names = "--java", paramLabel = "JAVA", description = "the java (22+) to run it with (default: this one)")
    Path java;

    @Option(names = "--jar", paramLabel = "JAR", description = "the recorder's runnable jar (default: the one running)")
    Path jar;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() != 0) {
            err.println("recordtls agent install: run it as root: what it installs runs as root");
            return ExitCodes.FAILED;
        }
        Path javaPath = (java != null ? java : Path.of(System.getProperty("java.home"), "bin", "java")).toRealPath();
        Path jarPath = jar != null ? jar.toRealPath() : ownJar();
        if (jarPath == null) {
            err.println("recordtls agent install: not running from a jar: name it with --jar recordtls-recorder-VERSION-all.jar");
            return 2;
        }
        try {
            requireRootOwned(javaPath, "the java to run the agent");
            Path lib = rootDirectory(prefix.toAbsolutePath().normalize().resolve("lib/recordtls"));
            Path libexec = rootDirectory(prefix.toAbsolutePath().normalize().resolve("libexec"));
            Path installedJar = lib.resolve("recordtls-recorder.jar");
            String digest;
            try (InputStream in = Files.newInputStream(jarPath)) {
                digest = install(in, installedJar, "rw-r--r--");
            }
            Path command = libexec.resolve("recordtls-agent");
            String script = "#!/bin/sh\n"
                    + "# The recordtls recorder for test runs, installed by 'agent install'. It runs as root; it serves the user\n"
                    + "# who ran sudo, only on that user's own processes and files. Allow it with a sudoers rule such as\n"
                    + "#   alice ALL=(root) NOPASSWD: " + command + "\n"
                    + JAR_LINE + installedJar + "\n"
                    + "# sha256: " + digest + "\n"
                    + "exec /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin SUDO_UID=\"$SUDO_UID\" " + quote(javaPath)
                    + " --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir=/tmp -cp " + quote(installedJar) + " "
                    + InstalledAgentMain.class.getName() + " \"$@\"\n";
            install(new java.io.ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)), command, "rwxr-xr-x");
            PrintWriter out = spec.commandLine().getOut();
            out.println("installed " + command + " (runs " + installedJar + " on " + javaPath + ")");
            out.println("allow a user to start it without a password, e.g. in /etc/sudoers.d/recordtls:");
            out.println("  " + System.getenv().getOrDefault("SUDO_USER", "alice") + " ALL=(root) NOPASSWD: " + command);
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("recordtls agent install: " + e.getMessage());
            return ExitCodes.FAILED;
        }
    }

    private static Path ownJar() {
        try {
            Path p = Path.of(AgentInstallCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p.toRealPath() : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String quote(Path p) throws IOException {
        if (p.toString().contains("'")) {
            throw new IOException("a path with a quote cannot go into the command: " + p);
        }
        return "'" + p + "'";
    }

    /** Makes the directories that are missing (0755) and checks every one of them is root's alone. */
    private static Path rootDirectory(Path dir) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path real = dir.toRealPath();
        requireRootOwned(real, "the install directory");
        return real;
    }

    /**
     * The file and every directory above it are root's and nobody else may change them (a
     * world-writable directory only with the sticky bit, as /tmp): otherwise another user
     * could swap what root runs.
     */
    static void requireRootOwned(Path path, String what) throws IOException {
        for (Path p = path.toRealPath(); p != null; p = p.getParent()) {
            int owner = ((Number) Files.getAttribute(p, "unix:uid")).intValue();
            int mode = ((Number) Files.getAttribute(p, "unix:mode")).intValue();
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            boolean sticky = (mode & 01000) != 0;
            if (owner != 0 || perms.contains(PosixFilePermission.GROUP_WRITE) && !sticky
                    || perms.contains(PosixFilePermission.OTHERS_WRITE) && !sticky) {
                throw new IOException(what + " must be root's alone, but " + p + " is "
                        + (owner != 0 ? "owned by uid " + owner : "writable by others (" + PosixFilePermissions.toString(perms) + ")")
                        + ": another user could change what root runs");
            }
        }
    }

    /** Writes a new file beside {@code target} (O_EXCL), sets its mode, renames it over the target; returns its SHA-256. */
    private static String install(InputStream content, Path target, String mode) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".new-" + ProcessHandle.current().pid());
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (DigestInputStream in = new DigestInputStream(content, sha);
                 var out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                in.transferTo(out);
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
