package io.recordtls.recorder;

import io.recordtls.recorder.capture.TlsLibrary;
import io.recordtls.recorder.capture.TlsProbes;
import io.recordtls.recorder.jvm.JvmTargets;
import io.recordtls.recorder.libs.LibraryTracker;
import io.recordtls.recorder.scope.ProcFs;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Why the TLS connections of a process in scope were not decoded, in words for the summary and the
 * HAR: from what the recorder knows of the process (the libraries it maps, the TLS stacks it
 * probes or not, the JVM probe's problems) and the program it last exec'd.
 */
final class NotDecodedReasons {
    private final LibraryTracker libraries;
    private final JvmTargets jvms;
    private final TlsProbes probes;

    NotDecodedReasons(LibraryTracker libraries, JvmTargets jvms, TlsProbes probes) {
        this.libraries = libraries;
        this.jvms = jvms;
        this.probes = probes;
    }

    /** A process in scope exec'd {@code path} (on the ring-buffer thread, as it happens). */
    synchronized void exec(int pid, String path) {
        if (!path.isEmpty()) {
            lastExec.put(pid, Path.of(path).getFileName().toString());
        }
    }

    /** The file name of the program the process last exec'd, if it was seen. */
    synchronized Optional<String> program(long pid) {
        return Optional.ofNullable(lastExec.get((int) pid));
    }

    /**
     * The program each process in scope last exec'd (its file name), read on the ring-buffer thread:
     * what is known of a process that ended before its mappings could be read (a quick static
     * binary). Bounded: the oldest go first.
     */
    private final Map<Integer, String> lastExec = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
            return size() > 16_384;
        }
    };

    List<String> mappedFiles(long pid) {
        List<String> mapped = ProcFs.executableMappings(pid).stream().map(m -> Path.of(m.path()).getFileName())
                .filter(java.util.Objects::nonNull).map(Path::toString).distinct().toList();
        String program = program(pid).orElse(null);
        return mapped.isEmpty() && program != null ? List.of(program) : mapped;
    }

    /** What recordtls knows of why a process's TLS connections were not decoded. */
    String why(int pid, List<String> mapped) {
        var unprobed = libraries.unprobedIn(pid);
        if (unprobed.isPresent()) {
            return "it uses " + unprobed.get().stack() + " (" + unprobed.get().file() + "), a TLS library recordtls does not probe";
        }
        var jvm = jvms.problem(pid);
        if (jvm.isPresent()) {
            return "a JVM whose JSSE the JVM probe does not record: " + jvm.get();
        }
        for (String problem : libraries.problems()) {
            if (mapped.stream().anyMatch(problem::contains)) {
                return "its TLS library could not be probed: " + problem;
            }
        }
        java.util.Set<String> probed = new java.util.TreeSet<>();
        for (TlsLibrary lib : probes.libraries()) {
            if (lib.path().getFileName() != null && mapped.contains(lib.path().getFileName().toString())) {
                probed.add(lib.path().getFileName().toString());
            }
        }
        if (probed.isEmpty()) {
            // a process gone before its mappings could be read: the probes it had say what it loaded
            probed.addAll(probes.probedIn(pid));
        }
        if (!probed.isEmpty()) {
            return "it maps " + String.join(", ", probed) + ", which is probed, but no read or write of these connections went"
                    + " through a probed function (a handshake without data, such as one that failed its certificate check,"
                    + " or I/O through a path recordtls does not probe)";
        }
        if (mapped.contains("libjvm.so")) {
            return "a JVM, but the JVM probe saw no JSSE call on these connections (a TLS implementation other than JSSE?)";
        }
        if (mapped.isEmpty()) {
            return "the process was gone before recordtls could see which TLS library it uses";
        }
        // the first executable mapping is the program itself (mapped lowest)
        return "no TLS library recordtls probes is loaded in " + mapped.getFirst() + ": its TLS is linked into the program"
                + " (a static binary, Go's crypto/tls),"
                + " comes from a library recordtls does not know, or has no symbols to probe";
    }
}
