package io.recordtls.junit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class RecorderStartCacheTest {
    @TempDir
    Path home;

    private final byte[] jar = "a recorder jar".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @Test
    void theJarKeepsItsPathFromOneRunToTheNextAndTheFirstRunsAotCacheServesTheNext() throws Exception {
        RecorderStartCache cache = RecorderStartCache.open(home.resolve(".cache/recordtls")).orElseThrow();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.dir()))).isEqualTo("rwx------");
        RecorderRuntime.RecorderJar first = cache.place(new ByteArrayInputStream(jar));
        RecorderRuntime.RecorderJar second = cache.place(new ByteArrayInputStream(jar));
        assertThat(second).isEqualTo(first);
        assertThat(Files.readAllBytes(first.path())).isEqualTo(jar);
        try (var left = Files.list(cache.dir())) {
            assertThat(left).containsExactly(first.path()); // no copies left behind
        }

        RecorderRuntime.JavaHome java = new RecorderRuntime.JavaHome(Path.of(System.getProperty("java.home")), 25);
        RecorderStartCache.StartOptions training = cache.startOptions(first, java);
        assertThat(training.jvmOptions().get(0)).startsWith("-XX:AOTCacheOutput=" + cache.dir());
        Files.writeString(training.training(), "what the recorder's JVM wrote as it exited");
        training.finish(true);

        RecorderStartCache.StartOptions next = cache.startOptions(first, java);
        assertThat(next.jvmOptions()).first().isEqualTo("-XX:AOTCache=" + training.aot());
        assertThat(next.training()).isNull();
        assertThat(training.training()).doesNotExist();
    }

    @Test
    void anotherBuildsJarAndCachesAreRemovedOnceUnusedForAMonthAndWhatIsUsedIsKept() throws Exception {
        RecorderStartCache cache = RecorderStartCache.open(home.resolve("c")).orElseThrow();
        java.nio.file.attribute.FileTime longAgo = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(RecorderStartCache.UNUSED_FOR).minus(java.time.Duration.ofDays(1)));
        Path oldJar = Files.writeString(cache.dir().resolve("recorder-0123456789abcdef.jar"), "an old build");
        Path oldAot = Files.writeString(cache.dir().resolve("recorder-0123456789abcdef-1-2-3.aot"), "its cache");
        Path recentJar = Files.writeString(cache.dir().resolve("recorder-fedcba9876543210.jar"), "a build used lately");
        Path notOurs = Files.writeString(cache.dir().resolve("recorder-notes.txt"), "not a jar or a cache");
        for (Path p : java.util.List.of(oldJar, oldAot, recentJar, notOurs)) {
            Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class).setTimes(longAgo, longAgo, null);
        }
        Files.getFileAttributeView(recentJar, java.nio.file.attribute.BasicFileAttributeView.class)
                .setTimes(null, java.nio.file.attribute.FileTime.from(java.time.Instant.now()), null); // read last week, say

        RecorderRuntime.RecorderJar placed = cache.place(new ByteArrayInputStream(jar));
        assertThat(oldJar).doesNotExist();
        assertThat(oldAot).doesNotExist();
        assertThat(recentJar).exists();
        assertThat(notOurs).exists();

        // the jar in use, though placed long ago, is kept, and its use is recorded without touching its mtime
        Files.getFileAttributeView(placed.path(), java.nio.file.attribute.BasicFileAttributeView.class).setTimes(longAgo, longAgo, null);
        RecorderRuntime.RecorderJar again = cache.place(new ByteArrayInputStream(jar));
        assertThat(again.path()).exists();
        assertThat(Files.getLastModifiedTime(again.path())).isEqualTo(longAgo);
        assertThat(((java.nio.file.attribute.FileTime) Files.getAttribute(again.path(), "lastAccessTime")).toInstant())
                .isAfter(java.time.Instant.now().minusSeconds(60));
    }

    @Test
    void aTrainingThatFailedLeavesNothingAndAnOlderJavaGetsNoOptions() throws Exception {
        RecorderStartCache cache = RecorderStartCache.open(home.resolve("c")).orElseThrow();
        RecorderRuntime.RecorderJar placed = cache.place(new ByteArrayInputStream(jar));
        RecorderStartCache.StartOptions training = cache.startOptions(placed, new RecorderRuntime.JavaHome(Path.of(System.getProperty("java.home")), 25));
        Files.writeString(training.training(), "half a cache");
        training.finish(false);
        assertThat(training.training()).doesNotExist();
        assertThat(training.aot()).doesNotExist();
        assertThat(cache.startOptions(placed, new RecorderRuntime.JavaHome(Path.of(System.getProperty("java.home")), 22)).jvmOptions()).isEmpty();
    }

    @Test
    void aDirectoryOthersMayWriteInIsNotUsed() throws Exception {
        Path shared = Files.createDirectory(home.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(RecorderStartCache.open(shared)).isEmpty();
    }
}
