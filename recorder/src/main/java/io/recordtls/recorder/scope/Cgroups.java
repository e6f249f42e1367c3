package io.recordtls.recorder.scope;

import io.recordtls.har.FileTrees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The cgroup v2 hierarchy, where containers are found: every container runtime puts a
 * container's processes in a cgroup of their own there (also on "hybrid" machines whose
 * controllers are still mounted as v1; {@code runc} joins the v2 hierarchy too). The kernel
 * side scopes by the ids of these directories: a cgroup's id is its directory's inode number.
 */
public final class Cgroups {
    private Cgroups() {}

    /** Where the v2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid machines). */
    public static Optional<Path> v2Root() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                // 36 35 0:30 / /sys/fs/cgroup/unified rw,... shared:9 - cgroup2 cgroup2 rw
                int dash = line.indexOf(" - ");
                if (dash > 0 && line.substring(dash + 3).startsWith("cgroup2 ")) {
                    String[] f = line.substring(0, dash).split(" ");
                    if (f.length > 4 && f[3].equals("/")) {
                        return Optional.of(Path.of(f[4].replace("\\040", " ")));
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    public static Path requireV2Root() {
        return v2Root().orElseThrow(() -> new IllegalStateException(
                "no cgroup v2 hierarchy is mounted (mount -t cgroup2 none /sys/fs/cgroup/unified): containers are scoped by it"));
    }

    /** The kernel's id of a cgroup: its directory's inode number. */
    public static long id(Path cgroupDir) {
        try {
            return ((Number) Files.getAttribute(cgroupDir, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new UncheckedIOException("read the id of cgroup " + cgroupDir, e);
        }
    }

    /**
     * The cgroup of a running container, by its id or the start of it (as docker ps shows it):
     * runtimes name the cgroup after the full id ("/docker/ID", "/system.slice/docker-ID.scope",
     * "/kubepods/.../cri-containerd-ID.scope").
     */
    public static Optional<Path> ofContainer(String containerId) {
        if (!containerId.matches("[0-9a-f]{12,64}")) {
            throw new IllegalArgumentException("not a container id: \"" + containerId + "\" (12 to 64 hexadecimal digits, as docker ps shows it)");
        }
        Optional<Path> root = v2Root();
        if (root.isEmpty()) {
            return Optional.empty();
        }
        try (var dirs = Files.find(root.get(), 6, (p, a) -> a.isDirectory() && p.getFileName() != null
                && containerIdIn("/" + p.getFileName()).filter(id -> id.startsWith(containerId)).isPresent())) {
            return dirs.findFirst();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    private static final java.util.regex.Pattern CONTAINER_ID = java.util.regex.Pattern.compile("(?:^|[/-])([0-9a-f]{64})(?:\\.scope)?(?:/|$)");

    /**
     * The id of the container a process runs in, from its cgroup path as runtimes name it
     * ("/docker/ID", "/system.slice/docker-ID.scope", ".../cri-containerd-ID.scope"); empty for
     * a process outside containers or gone.
     */
    public static Optional<String> containerId(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"), StandardCharsets.UTF_8)) {
                if (line.startsWith("0::")) {
                    return containerIdIn(line.substring(3));
                }
            }
        } catch (IOException gone) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The innermost container id in a cgroup path, as {@link #containerId} reads it. */
    static Optional<String> containerIdIn(String cgroupPath) {
        var m = CONTAINER_ID.matcher(cgroupPath);
        String id = null;
        int from = 0;
        while (from < cgroupPath.length() && m.find(from)) {
            id = m.group(1);
            from = m.end(1); // the separator after one id may start the next
        }
        return Optional.ofNullable(id);
    }

    /** Every process in the cgroup and in the cgroups below it. */
    public static Set<Long> processes(Path cgroupDir) {
        Set<Long> pids = new LinkedHashSet<>();
        collect(cgroupDir, pids, 0);
        return pids;
    }

    private static void collect(Path dir, Set<Long> pids, int depth) {
        try {
            for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                if (!pid.isBlank()) {
                    pids.add(Long.parseLong(pid.strip()));
                }
            }
            if (depth < 16) {
                List<Path> children = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
                    ds.forEach(children::add);
                }
                for (Path child : children) {
                    collect(child, pids, depth + 1);
                }
            }
        } catch (IOException gone) {
            // removed meanwhile: its processes are gone too
        }
    }

    /**
     * A parent cgroup for containers to be recorded, made now so the kernel side knows its id
     * before any container starts under it. Docker's {@code --cgroup-parent} takes
     * {@link ContainerParent#dockerName()}; its cgroupfs driver wants a path ("/recordtls-123"),
     * its systemd driver a slice name ("recordtls123.slice", where a '-' would mean nesting).
     */
    public record ContainerParent(String dockerName, Path directory) {}

    public static ContainerParent makeContainerParent(String driver, long uniqueNumber) {
        Path root = requireV2Root();
        boolean systemd = "systemd".equalsIgnoreCase(driver);
        String name = systemd ? "recordtls" + uniqueNumber + ".slice" : "recordtls-" + uniqueNumber;
        Path dir = root.resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("make the cgroup " + dir + " for recorded containers", e);
        }
        return new ContainerParent(systemd ? name : "/" + name, dir);
    }

    /**
     * Removes a parent made by {@link #makeContainerParent} once its containers are gone, from
     * the v2 hierarchy and from any v1 hierarchy the runtime made it in too. Best effort: a
     * cgroup still in use stays.
     */
    public static void removeContainerParent(ContainerParent parent) {
        String name = parent.directory().getFileName().toString();
        List<Path> dirs = new ArrayList<>();
        dirs.add(parent.directory());
        try (DirectoryStream<Path> hierarchies = Files.newDirectoryStream(Path.of("/sys/fs/cgroup"), Files::isDirectory)) {
            hierarchies.forEach(h -> dirs.add(h.resolve(name)));
        } catch (IOException ignored) {
            // no v1 hierarchies
        }
        for (Path dir : dirs) {
            // rmdir, deepest first; the kernel's own files refuse deletion, a cgroup in use stays
            FileTrees.deleteQuietly(dir);
        }
    }
}
