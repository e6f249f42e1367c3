package io.recordtls.junit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * What lets the privileged recorder start faster from a test run's second run on, in this user's
 * cache directory ({@code $XDG_CACHE_HOME/recordtls}, else {@code ~/.cache/recordtls}, mode 0700):
 * the recorder's jar, named by its content so that its path is the same from one run to the
 * next, and beside it, on Java 25+, an AOT cache of its classes for that jar and that JDK (JEP
 * 483/514: loaded, linked and profiled ahead of time), which the first run's recorder writes as it
 * exits. A cache the JVM cannot use is ignored, silently; a directory that cannot be made (a
 * read-only home) leaves the recorder to start as before, from a copy in the temp directory.
 */
final class RecorderStartCache {
    private static final String TRAINING_SUFFIX = ".training";

    private final Path dir;

    private RecorderStartCache(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** This user's cache directory, made if missing; empty when there is none to use. */
    static Optional<RecorderStartCache> open() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && xdg.startsWith("/") ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return open(base.resolve("recordtls"));
    }

    /** {@code dir}, made if missing (its parents too); empty when it is not this user's alone. */
    static Optional<RecorderStartCache> open(Path dir) {
        Path base = dir.getParent();
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(base);
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            // ours alone, or not used: another user's files would be the code the recorder runs
            Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            var perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (!owner.equals(self) || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                return Optional.empty();
            }
            return Optional.of(new RecorderStartCache(dir));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The bundled jar at its place in the cache ({@code recorder-DIGEST.jar}), copied there when it
     * is not yet, and its digest.
     */
    RecorderRuntime.RecorderJar place(InputStream bundled) throws IOException {
        Path tmp = Files.createTempFile(dir, "recorder-", ".jar.tmp");
        try {
            String digest = copy(bundled, tmp);
            Path jar = dir.resolve("recorder-" + digest + ".jar");
            if (Files.isRegularFile(jar, LinkOption.NOFOLLOW_LINKS) && Files.size(jar) != Files.size(tmp)) {
                Files.delete(jar); // not what its name says (a copy cut short): made again
            }
            try {
                // never over one that is there: a JVM may run from it, and its AOT cache is made for that file
                Files.createLink(jar, tmp);
            } catch (java.nio.file.FileAlreadyExistsException another) {
                // another test JVM put it there first: the same bytes
            }
            markUsed(jar);
            removeUnused(digest);
            return new RecorderRuntime.RecorderJar(jar, digest);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The JVM options that start a recorder from this jar on this Java with its AOT cache, or that make that cache. */
    StartOptions startOptions(RecorderRuntime.RecorderJar jar, RecorderRuntime.JavaHome java) {
        if (java.feature() < 25) {
            return StartOptions.NONE; // -XX:AOTCacheOutput came with Java 25 (JEP 514)
        }
        Path aot;
        try {
            // the JVM checks the jar's mtime: a cache per copy of the jar, and per JDK
            aot = dir.resolve("recorder-" + jar.digest() + "-" + Long.toHexString(Files.getLastModifiedTime(jar.path()).toMillis())
                    + "-" + Integer.toHexString(java.java().toRealPath().toString().hashCode())
                    + "-" + Long.toHexString(Files.getLastModifiedTime(java.home().resolve("release")).toMillis()) + ".aot");
        } catch (IOException e) {
            return StartOptions.NONE;
        }
        removeStaleTraining();
        if (Files.isRegularFile(aot, LinkOption.NOFOLLOW_LINKS)) {
            markUsed(aot);
            return new StartOptions(List.of("-XX:AOTCache=" + aot, "-Xlog:aot=off", "-Xlog:cds=off"), null, null);
        }
        Path training = dir.resolve(aot.getFileName() + "." + ProcessHandle.current().pid() + TRAINING_SUFFIX);
        return new StartOptions(List.of("-XX:AOTCacheOutput=" + training, "-Xlog:aot=off", "-Xlog:cds=off"), training, aot);
    }

    /**
     * JVM options for the recorder; when {@code training} is set, the recorder writes its AOT
     * cache there as it exits, and {@link #finish} puts it in place.
     */
    record StartOptions(List<String> jvmOptions, Path training, Path aot) {
        static final StartOptions NONE = new StartOptions(List.of(), null, null);

        /** After the recorder exited: a whole cache goes in place for the next runs; what is left of a failed one goes. */
        void finish(boolean exitedNormally) {
            if (training == null) {
                return;
            }
            try {
                if (exitedNormally && Files.isRegularFile(training, LinkOption.NOFOLLOW_LINKS) && Files.size(training) > 0) {
                    move(training, aot);
                }
            } catch (IOException e) {
                // the next run makes it again
            } finally {
                try {
                    Files.deleteIfExists(training);
                    Files.deleteIfExists(Path.of(training + ".config")); // the JVM's training data
                } catch (IOException ignored) {
                    // a stale file in our own cache directory
                }
            }
        }
    }

    /** How long a recorder's jar and caches stay unused before they are removed (another version's, another JDK's). */
    static final java.time.Duration UNUSED_FOR = java.time.Duration.ofDays(30);

    /**
     * Records a use in the file's access time: its modification time is the JVM's to check (an
     * AOT cache is only for the jar with the mtime it was made for), and reads alone do not
     * update atime on every mount.
     */
    private static void markUsed(Path file) {
        try {
            Files.getFileAttributeView(file, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(null, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()), null);
        } catch (IOException ignored) {
            // then it may be removed after UNUSED_FOR, and placed again when needed
        }
    }

    /**
     * Removes the jars and AOT caches of other recorder builds that no run has used for
     * {@link #UNUSED_FOR}: each build adds about 50 MB here (a jar and a cache per JDK), and
     * nothing else removes them. A run that needs one again places it again.
     */
    private void removeUnused(String inUse) {
        long before = System.currentTimeMillis() - UNUSED_FOR.toMillis();
        try (var files = Files.newDirectoryStream(dir, "recorder-*")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.startsWith("recorder-" + inUse) || !(name.endsWith(".jar") || name.endsWith(".aot"))) {
                    continue;
                }
                var attributes = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attributes.isRegularFile() && attributes.lastAccessTime().toMillis() < before
                        && attributes.lastModifiedTime().toMillis() < before) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException ignored) {
            // left for the next run
        }
    }

    /** What recorders killed while training left (their test JVM never finished them). */
    private void removeStaleTraining() {
        long before = System.currentTimeMillis() - 3_600_000;
        try (var files = Files.newDirectoryStream(dir, "*" + TRAINING_SUFFIX + "*")) {
            for (Path f : files) {
                if (Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).toMillis() < before) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException ignored) {
            // left for the next run
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Copies and returns the first 8 bytes of the SHA-256 of what went by, in hex. */
    static String copy(InputStream in, Path target) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (DigestInputStream d = new DigestInputStream(in, sha)) {
                if (target == null) {
                    d.transferTo(java.io.OutputStream.nullOutputStream());
                } else {
                    Files.copy(d, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
