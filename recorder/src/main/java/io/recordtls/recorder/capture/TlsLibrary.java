package io.recordtls.recorder.capture;

import io.recordtls.recorder.capture.CaptureEvent.TlsFunction;
import io.recordtls.recorder.capture.CaptureEvent.TlsStack;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A file that defines the read and write functions of a TLS stack probes decode (a libssl, an
 * executable that links OpenSSL statically such as node, a libgnutls), with the file offsets the
 * probes attach to.
 */
public record TlsLibrary(Path path, String name, FileId id, Map<TlsFunction, Long> offsets) {
    /** The stacks whose functions are probed in this file (one, in every library seen so far). */
    public Set<TlsStack> stacks() {
        Set<TlsStack> stacks = EnumSet.noneOf(TlsStack.class);
        offsets.keySet().forEach(fn -> stacks.add(fn.stack()));
        return stacks;
    }

    /** The file as the kernel knows it; two paths to one file share it. */
    public record FileId(long dev, long ino) {}

    @Override
    public String toString() {
        return name + " (" + path + ")";
    }
}
