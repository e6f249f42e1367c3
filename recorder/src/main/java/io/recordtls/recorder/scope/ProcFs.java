package io.recordtls.recorder.scope;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What /proc says about processes. Every method tolerates a process that is gone. */
public final class ProcFs {
    /**
     * One executable file mapping of a process, as /proc/PID/maps lists it: {@code deleted} when
     * the file was removed after it was mapped (netty-tcnative extracts its library to /tmp,
     * loads it and deletes it), so that only {@link #mappedFile} still reaches it.
     */
    public record Mapping(String path, int kernelDev, long inode, long start, long end, boolean deleted) {}

    /**
     * The file a process maps, also when it was deleted or replaced since:
     * /proc/PID/map_files/START-END links to the mapped file itself (root may open it).
     */
    public static Path mappedFile(long pid, Mapping m) {
        return Path.of("/proc/" + pid + "/map_files/" + Long.toHexString(m.start()) + "-" + Long.toHexString(m.end()));
    }

    private ProcFs() {}

    public static boolean alive(long pid) {
        return Files.exists(Path.of("/proc/" + pid));
    }

    public static Optional<String> comm(long pid) {
        try {
            return Optional.of(Files.readString(Path.of("/proc/" + pid + "/comm")).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The process and every descendant alive now. */
    public static Set<Long> withDescendants(long root) {
        Set<Long> all = new LinkedHashSet<>();
        Deque<Long> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            if (!all.add(pid)) {
                continue;
            }
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
                for (Path task : tasks) {
                    String children = Files.readString(task.resolve("children")).strip();
                    if (!children.isEmpty()) {
                        for (String c : children.split("\\s+")) {
                            todo.push(Long.parseLong(c));
                        }
                    }
                }
            } catch (IOException | RuntimeException gone) {
                // exited meanwhile
            }
        }
        return all;
    }

    /** Files the process maps executable (its program and libraries), deduplicated. */
    public static List<Mapping> executableMappings(long pid) {
        List<Mapping> out = new ArrayList<>();
        Set<Long> seen = new java.util.HashSet<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/" + pid + "/maps"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return out;
        }
        for (String line : lines) {
            // 7f..-7f.. r-xp 00000000 fe:01 123456   /usr/lib/x86_64-linux-gnu/libssl.so.3
            String[] f = line.trim().split("\\s+", 6);
            if (f.length < 6 || f[1].length() < 3 || f[1].charAt(2) != 'x' || !f[5].startsWith("/")) {
                continue;
            }
            long inode = Long.parseLong(f[4]);
            if (inode == 0 || !seen.add(inode)) {
                continue;
            }
            String[] dev = f[3].split(":");
            int kernelDev = (Integer.parseInt(dev[0], 16) << 20) | Integer.parseInt(dev[1], 16);
            boolean deleted = f[5].endsWith(" (deleted)");
            String path = deleted ? f[5].substring(0, f[5].length() - 10) : f[5];
            String[] range = f[0].split("-");
            out.add(new Mapping(path, kernelDev, inode, Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16), deleted));
        }
        return out;
    }

    /**
     * A path through which this process can open a file another process maps, also when that
     * process lives in another mount namespace (a container): /proc/PID/root/PATH.
     */
    public static Path reachable(long pid, String path) {
        Path direct = Path.of(path);
        Path viaRoot = Path.of("/proc/" + pid + "/root" + path);
        try {
            if (Files.isSameFile(direct, viaRoot)) {
                return direct;
            }
        } catch (IOException e) {
            // not the same mount namespace, or not there at all
        }
        return viaRoot;
    }
}
