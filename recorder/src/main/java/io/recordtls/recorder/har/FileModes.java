package io.recordtls.recorder.har;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** The mode a process's new files get: 0666 less its umask, as open(2) would make them. */
public final class FileModes {
    /** What a umask that cannot be read stands for: nothing shared. */
    private static final int FALLBACK_UMASK = 0077;

    private FileModes() {}

    /** A process's umask, from /proc/PID/status (Linux 4.7+); 077 (nothing shared) where it cannot be read. */
    public static int umask(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("Umask:")) {
                    return Integer.parseInt(line.substring("Umask:".length()).strip(), 8);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone, or an old kernel
        }
        return FALLBACK_UMASK;
    }

    /** The permissions of a new regular file under {@code umask}. */
    public static Set<PosixFilePermission> newFile(int umask) {
        return permissions(0666 & ~umask);
    }

    /** The permissions of a new directory under {@code umask}. */
    public static Set<PosixFilePermission> newDirectory(int umask) {
        return permissions(0777 & ~umask);
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }
}
