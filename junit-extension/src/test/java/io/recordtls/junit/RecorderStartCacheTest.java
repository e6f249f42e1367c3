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
