package io.recordtls.junit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The agent as root installed it ({@code agent install}: PREFIX/libexec/recordtls-agent running
 * PREFIX/lib/recordtls/recordtls-recorder.jar), which a user without privileges starts through
 * {@code sudo -n}. Root never runs a jar this user could have changed: a sudoers rule names that
 * one command. It must be the same build as this test run's recorder, else its protocol and
 * recordings could differ: then the user is told how to reinstall it.
 */
final class InstalledAgent {
    static final String PROPERTY = "recordtls.agent";
    static final String ENVIRONMENT = "RECORDTLS_AGENT";
    static final Path DEFAULT = Path.of("/usr/local/libexec/recordtls-agent");
    private static final String JAR_LINE = "# jar: ";

    private InstalledAgent() {}

    /** The installed command: -Drecordtls.agent, RECORDTLS_AGENT, or /usr/local/libexec/recordtls-agent. */
    static Path command() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            v = System.getenv(ENVIRONMENT);
        }
        return v == null || v.isBlank() ? DEFAULT : Path.of(v.strip());
    }

    static boolean mayStartThroughSudo() {
        return whyNotThroughSudo() == null;
    }

    private static String whyNot;
    private static boolean decided;

    /** Null when {@code sudo -n} may start the installed agent of this build; else why not and what to do. */
    static synchronized String whyNotThroughSudo() {
        if (!decided) {
            decided = true;
            whyNot = decide();
        }
        return whyNot;
    }

    private static String decide() {
        Path command = command();
        String install = "install it as root: 'sudo " + recorderJava() + " -jar recordtls-recorder-VERSION-all.jar install' (the artifact"
                + " io.recordtls:recordtls-recorder:VERSION:all of this recordtls version; recorder/target/ in a checkout)";
        if (!Files.isRegularFile(command)) {
            return "the recorder for test runs is not installed (" + command + "): " + install;
        }
        Optional<Path> jar = installedJar(command);
        if (jar.isEmpty()) {
            return command + " is not a recorder installed by recordtls: " + install;
        }
        try {
            String installed = digest(jar.get());
            String ours = RecorderRuntime.recorderJar().digest();
            if (!installed.startsWith(ours)) {
                return "the installed recorder (" + jar.get() + ") is another build than this test run's: " + install;
            }
        } catch (IOException e) {
            return "the installed recorder cannot be read (" + e.getMessage() + "): " + install;
        }
        if (!sudoAllows(command)) {
            return "'sudo -n " + command + "' is not allowed without a password for this user: add a sudoers rule, e.g. '"
                    + System.getProperty("user.name") + " ALL=(root) NOPASSWD: " + command + "'";
        }
        return null;
    }

    /** The jar the installed command runs, from the line 'agent install' writes into it. */
    static Optional<Path> installedJar(Path command) {
        try {
            for (String line : Files.readAllLines(command, StandardCharsets.UTF_8)) {
                if (line.startsWith(JAR_LINE)) {
                    return Optional.of(Path.of(line.substring(JAR_LINE.length()).strip()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not ours
        }
        return Optional.empty();
    }

    private static String digest(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** 'sudo -n -l COMMAND' lists the command when the rules allow it without a password. */
    private static boolean sudoAllows(Path command) {
        try {
            Process p = new ProcessBuilder("sudo", "-n", "-l", command.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false; // no sudo
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String recorderJava() {
        try {
            return RecorderRuntime.java().java().toString();
        } catch (IOException e) {
            return "JAVA_22_OR_NEWER";
        }
    }
}
