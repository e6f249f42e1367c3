package io.recordtls.recorder.agent;

import io.recordtls.recorder.bpf.LibC;
import io.recordtls.recorder.har.FileModes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The process on the other end of the agent's socket, as the kernel names it (SO_PEERCRED), and
 * what the agent, running as root, may do for it: record its user's own processes, and write
 * files only as that user would (its file-system uid and gid, its umask). Root callers may do
 * anything root may.
 */
record Caller(long pid, int uid, int gid) {
    static Caller of(PeerSocket.Peer peer) {
        return new Caller(peer.pid(), peer.uid(), peer.gid());
    }

    boolean isRoot() {
        return uid == 0;
    }

    /**
     * Null when the caller may record {@code pid}: a process whose every uid (real, effective,
     * saved, file system) is the caller's, so that a set-uid program the user started (sudo, su)
     * is not one of "their" processes. Else why not, in a sentence for the user.
     */
    String whyNotRecord(long pid) {
        Optional<int[]> uids = uids(pid);
        if (uids.isEmpty()) {
            return "no process " + pid;
        }
        if (isRoot()) {
            return null;
        }
        for (int u : uids.get()) {
            if (u != uid) {
                return "process " + pid + " (" + comm(pid) + ") runs as uid " + u + ": this recorder records only the processes"
                        + " of its caller, uid " + uid;
            }
        }
        return null;
    }

    /** Whether a process may be put in scope with a root the caller may record (its descendants are checked one by one). */
    boolean mayRecord(long pid) {
        return whyNotRecord(pid) == null;
    }

    /**
     * Null when the caller may record containers: root, or a user the Docker engine already
     * serves (its socket is writable for them), who can read any container's memory through
     * Docker anyway. Else why not.
     */
    String whyNotRecordContainers() {
        if (isRoot()) {
            return null;
        }
        Set<Integer> groups = groups();
        for (Path socket : List.of(Path.of("/var/run/docker.sock"), Path.of("/run/docker.sock"))) {
            try {
                PosixFileAttributes a = Files.readAttributes(socket, PosixFileAttributes.class);
                int owner = ((Number) Files.getAttribute(socket, "unix:uid")).intValue();
                int group = ((Number) Files.getAttribute(socket, "unix:gid")).intValue();
                Set<PosixFilePermission> p = a.permissions();
                if (owner == uid && p.contains(PosixFilePermission.OWNER_WRITE)
                        || groups.contains(group) && p.contains(PosixFilePermission.GROUP_WRITE)
                        || p.contains(PosixFilePermission.OTHERS_WRITE)) {
                    return null;
                }
            } catch (IOException e) {
                // no engine there
            }
        }
        return "uid " + uid + " may not use the Docker engine (/var/run/docker.sock): this recorder records containers only for"
                + " a caller who could reach into them through Docker anyway";
    }

    /**
     * Copies {@code from} (the agent's own file) to {@code to} as the caller would write it: the
     * destination's directories and file are created with the caller's file-system uid and gid
     * (so a path the caller may not write to fails as it would for them, and what is made is
     * theirs from the start: nothing is chowned), through a new file beside it (O_EXCL) renamed
     * over {@code to} (a symlink there is replaced, never followed), with the caller's umask.
     */
    void deliver(Path from, Path to) throws IOException {
        if (!to.isAbsolute()) {
            // relative to what? the agent's working directory is not the caller's
            throw new IllegalArgumentException("a HAR's path must be absolute: " + to);
        }
        Path target = to.normalize();
        Path dir = target.getParent();
        int mask = FileModes.umask(pid);
        try (InputStream in = Files.newInputStream(from, LinkOption.NOFOLLOW_LINKS); // ours: read before becoming the caller
             AsCaller ignored = new AsCaller()) {
            makeDirectories(dir, mask);
            Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                        LinkOption.NOFOLLOW_LINKS)) {
                    in.transferTo(out);
                }
                Files.setPosixFilePermissions(tmp, FileModes.newFile(mask));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (FileSystemException e) {
            String reason = e instanceof AccessDeniedException ? "permission denied" : e.getReason() != null ? e.getReason() : e.toString();
            throw new IOException("write " + target + " as uid " + uid + ": " + reason + (e.getFile() == null ? "" : " (" + e.getFile() + ")"));
        }
    }

    /** The missing directories above a HAR, each with the mode the caller's umask gives (done as the caller). */
    private static void makeDirectories(Path dir, int mask) throws IOException {
        java.util.Deque<Path> missing = new java.util.ArrayDeque<>();
        for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
            missing.push(d);
        }
        for (Path d : missing) {
            try {
                Files.createDirectory(d);
                Files.setPosixFilePermissions(d, FileModes.newDirectory(mask));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // made meanwhile
            }
        }
    }

    /**
     * This thread's file-system identity switched to the caller's for a while: fsuid, fsgid and
     * supplementary groups. The kernel keeps them per thread and drops root's file capabilities
     * (DAC override, chown...) with a non-zero fsuid, so what this thread does with files meanwhile is what the caller could
     * do; other threads are not affected. A virtual thread could move to another carrier: the
     * agent serves each client on a platform thread.
     */
    private final class AsCaller implements AutoCloseable {
        private final int previousUid, previousGid;
        private final int[] previousGroups;

        AsCaller() throws IOException {
            if (Thread.currentThread().isVirtual()) {
                throw new IllegalStateException("file-system credentials are per OS thread: not on a virtual thread");
            }
            previousGroups = LibC.threadGroups();
            // the caller's supplementary groups, not root's: a directory writable for group root stays out of reach
            int[] theirs = supplementaryGroups().stream().mapToInt(Integer::intValue).toArray();
            int failed = LibC.setThreadGroups(theirs);
            if (failed != 0 && !java.util.Arrays.equals(previousGroups, theirs)) {
                throw new IOException("could not take on the groups of uid " + uid + ": " + LibC.strerror(failed));
            }
            previousGid = LibC.setfsgid(gid);
            previousUid = LibC.setfsuid(uid);
            if (LibC.setfsuid(-1) != uid || LibC.setfsgid(-1) != gid) {
                close();
                throw new IOException("could not take on the caller's file-system uid " + uid + " and gid " + gid);
            }
        }

        @Override
        public void close() {
            LibC.setfsuid(previousUid);
            LibC.setfsgid(previousGid);
            if (LibC.setThreadGroups(previousGroups) != 0 && !java.util.Arrays.equals(LibC.threadGroups(), previousGroups)) {
                throw new IllegalStateException("could not restore this thread's groups");
            }
        }
    }

    /** The caller's supplementary groups, from /proc (none when it is gone: nothing extra is granted). */
    private Set<Integer> supplementaryGroups() {
        Set<Integer> groups = new java.util.LinkedHashSet<>();
        for (String line : status(pid)) {
            if (line.startsWith("Groups:")) {
                for (String g : line.substring("Groups:".length()).trim().split("\\s+")) {
                    if (!g.isEmpty()) {
                        groups.add(Integer.parseInt(g));
                    }
                }
            }
        }
        return groups;
    }

    /** The caller's groups: its gid and supplementary groups. */
    private Set<Integer> groups() {
        Set<Integer> groups = new HashSet<>(supplementaryGroups());
        groups.add(gid);
        return groups;
    }

    /** A process's real, effective, saved and file-system uids. */
    static Optional<int[]> uids(long pid) {
        for (String line : status(pid)) {
            if (line.startsWith("Uid:")) {
                String[] f = line.substring("Uid:".length()).trim().split("\\s+");
                int[] uids = new int[f.length];
                for (int i = 0; i < f.length; i++) {
                    uids[i] = Integer.parseInt(f[i]);
                }
                return Optional.of(uids);
            }
        }
        return Optional.empty();
    }

    private static List<String> status(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status"));
        } catch (NoSuchFileException gone) {
            return List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
