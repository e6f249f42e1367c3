package io.recordtls.recorder.capture;

import io.recordtls.recorder.capture.CaptureEvent.TlsFunction;

import java.nio.file.Path;
import java.util.Map;

/**
 * A file that defines OpenSSL's SSL_read/SSL_write (a libssl, or an executable that links
 * OpenSSL statically, such as node), with the file offsets the probes attach to.
 */
public record TlsLibrary(Path path, String name, FileId id, Map<TlsFunction, Long> offsets, int bioDataOffset) {
    /**
     * A library without the SSL BIO's methods. {@code bioDataOffset}: where struct bio_st keeps
     * its data pointer (what the probe on the SSL BIO's methods follows to the SSL*), 0 when unknown.
     */
    public TlsLibrary(Path path, String name, FileId id, Map<TlsFunction, Long> offsets) {
        this(path, name, id, offsets, 0);
    }

    /** The file as the kernel knows it; two paths to one file share it. */
    public record FileId(long dev, long ino) {}

    @Override
    public String toString() {
        return name + " (" + path + ")";
    }
}
