package io.recordtls.recorder.capture;

import io.recordtls.recorder.capture.CaptureEvent.TlsFunction;

import java.nio.file.Path;
import java.util.Map;

/**
 * A file that defines OpenSSL's SSL_read/SSL_write (a libssl, or an executable that links
 * OpenSSL statically, such as node), with the file offsets the probes attach to.
 */
public record TlsLibrary(Path path, String name, FileId id, Map<TlsFunction, Long> offsets) {
    /** The file as the kernel knows it; two paths to one file share it. */
    public record FileId(long dev, long ino) {}

    @Override
    public String toString() {
        return name + " (" + path + ")";
    }
}
