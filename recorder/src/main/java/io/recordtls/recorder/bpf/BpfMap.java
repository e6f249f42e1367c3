package io.recordtls.recorder.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.BiConsumer;

/** A loaded map, addressed by its fd. Keys and values are raw bytes laid out as in the C structs. */
public final class BpfMap {
    public static final long ANY = 0;
    public static final long NOEXIST = 1;

    private final String name;
    private final int fd;

    BpfMap(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    public String name() {
        return name;
    }

    public int fd() {
        return fd;
    }

    public void put(MemorySegment key, MemorySegment value) {
        call("update map " + name, () -> (int) Libbpf.MAP_UPDATE_ELEM.invokeExact(fd, key, value, ANY));
    }

    /** Adds the entry unless the key is there already; false then. */
    public boolean putIfAbsent(MemorySegment key, MemorySegment value) {
        int rc = invoke(() -> (int) Libbpf.MAP_UPDATE_ELEM.invokeExact(fd, key, value, NOEXIST));
        if (rc == -Errno.EEXIST) {
            return false;
        }
        if (rc < 0) {
            throw new BpfException("update map " + name, rc);
        }
        return true;
    }

    /** Copies the value into {@code value}; false when the key is absent. */
    public boolean get(MemorySegment key, MemorySegment value) {
        int rc = invoke(() -> (int) Libbpf.MAP_LOOKUP_ELEM.invokeExact(fd, key, value));
        if (rc == -Errno.ENOENT) {
            return false;
        }
        if (rc < 0) {
            throw new BpfException("lookup in map " + name, rc);
        }
        return true;
    }

    public boolean delete(MemorySegment key) {
        int rc = invoke(() -> (int) Libbpf.MAP_DELETE_ELEM.invokeExact(fd, key));
        if (rc == -Errno.ENOENT) {
            return false;
        }
        if (rc < 0) {
            throw new BpfException("delete from map " + name, rc);
        }
        return true;
    }

    /** Visits every entry (a snapshot walk: entries changed meanwhile may be seen or not). */
    public void forEach(long keySize, long valueSize, BiConsumer<MemorySegment, MemorySegment> visitor) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(keySize);
            MemorySegment next = arena.allocate(keySize);
            MemorySegment value = arena.allocate(valueSize);
            MemorySegment prev = MemorySegment.NULL;
            while (true) {
                MemorySegment p = prev;
                int rc = invoke(() -> (int) Libbpf.MAP_GET_NEXT_KEY.invokeExact(fd, p, next));
                if (rc == -Errno.ENOENT) {
                    return;
                }
                if (rc < 0) {
                    throw new BpfException("walk map " + name, rc);
                }
                key.copyFrom(next);
                if (get(key, value)) {
                    visitor.accept(key, value);
                }
                prev = key;
            }
        }
    }

    private static void call(String what, IntCall call) {
        int rc = invoke(call);
        if (rc < 0) {
            throw new BpfException(what, rc);
        }
    }

    static int invoke(IntCall call) {
        try {
            return call.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @FunctionalInterface
    interface IntCall {
        int run() throws Throwable;
    }
}
