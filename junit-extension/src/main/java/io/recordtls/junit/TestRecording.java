package io.recordtls.junit;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import io.recordtls.har.HarFile;
import io.recordtls.har.RecordedExchange;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@link TlsRecording} of one test, recording or replaying. */
sealed interface TestRecording extends TlsRecording {

    record Recording(Path harFile, AgentClient agent, String segment) implements TestRecording {
        @Override
        public RecordTlsMode mode() {
            return RecordTlsMode.RECORD;
        }

        @Override
        public List<RecordedExchange> exchanges() {
            try {
                Path snapshot = Files.createTempFile(agent.scratch(), "snapshot", ".har");
                try {
                    agent.snapshot(segment, snapshot);
                    return HarFile.read(snapshot).exchanges();
                } finally {
                    Files.deleteIfExists(snapshot);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("read the recording so far", e);
            }
        }

        @Override
        public String baseUrl(String origin) {
            Origin.parse(origin); // same validation in both modes
            return origin;
        }

        @Override
        public Optional<Path> caCertificate() {
            return Optional.empty();
        }

        @Override
        public SSLContext sslContext() {
            try {
                return SSLContext.getDefault();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JVM has no default SSLContext", e);
            }
        }

        @Override
        public Map<String, String> environment() {
            return Map.of();
        }

        @Override
        public void stubFor(MappingBuilder stub) {
            throw refusedWhileRecording();
        }

        @Override
        public void stubFor(String origin, MappingBuilder stub) {
            Origin.parse(origin); // same validation in both modes
            throw refusedWhileRecording();
        }

        private IllegalStateException refusedWhileRecording() {
            return new IllegalStateException("tls.stubFor(...) changes what the replay answers, but this test is recording into "
                    + harFile + ": the real upstream answers, and nothing can be put in front of it. Call it only when"
                    + " tls.isReplaying(), or run the test with -D" + RecordTlsMode.PROPERTY + "=REPLAY once its recording exists");
        }

        @Override
        public void addProcess(long pid) {
            try {
                agent.add(pid);
            } catch (IOException e) {
                throw new UncheckedIOException("record process " + pid, e);
            }
        }

        @Override
        public void addContainer(String containerId) {
            try {
                agent.addContainer(containerId);
            } catch (IOException e) {
                throw new UncheckedIOException("record container " + containerId, e);
            }
        }
    }

    /**
     * {@code ownsSession}: false when the session belongs to the class (its containers, its
     * replayServerPerClass or class-level base URLs outlive the test). {@code routing}: the JVM-wide trust and routing for Java code in this JVM.
     */
    record Replay(Path harFile, ReplaySession session, boolean ownsSession, JvmReplayRouting routing) implements TestRecording {
        @Override
        public SSLContext sslContext() {
            return routing.sslContext();
        }

        @Override
        public RecordTlsMode mode() {
            return RecordTlsMode.REPLAY;
        }

        @Override
        public List<RecordedExchange> exchanges() {
            return session.served();
        }

        @Override
        public String baseUrl(String origin) {
            try {
                return session.baseUrl(Origin.parse(origin));
            } catch (IOException e) {
                throw new UncheckedIOException("start a replay server for " + origin, e);
            }
        }

        @Override
        public Optional<Path> caCertificate() {
            try {
                return Optional.of(session.caBundle());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Map<String, String> environment() {
            try {
                return session.environment();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stubFor(MappingBuilder stub) {
            session.overrideAll(stub);
        }

        @Override
        public void stubFor(String origin, MappingBuilder stub) {
            try {
                session.override(Origin.parse(origin), stub);
            } catch (IOException e) {
                throw new UncheckedIOException("start a replay server for " + origin, e);
            }
        }

        @Override
        public void addProcess(long pid) {
            // nothing is recorded while replaying
        }

        @Override
        public void addContainer(String containerId) {
            // nothing is recorded while replaying
        }
    }
}
