package io.recordtls.samples;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.recordtls.har.RecordedExchange;
import io.recordtls.junit.RecordTls;
import io.recordtls.junit.TlsRecording;
import io.recordtls.replayer.server.ReplayCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A gRPC client (grpc-java over Netty, TLS by the JDK's JSSE) in the test JVM, calling a quotes
 * service: recorded through the JVM probe, replayed with the service gone. gRPC puts a call's
 * outcome in HTTP/2 trailers after the reply (grpc-status, grpc-message): the replay must send
 * them, or the client fails every call. A refused call is answered in the headers alone
 * ("trailers-only"), which the replay must keep as it was.
 */
@RecordTls(failOnUnusedRecordings = true)
class GrpcQuotesClientTest {
    static final int PORT = 18821;
    /** A unary method with UTF-8 strings for messages: real gRPC framing and status, no generated code needed. */
    static final MethodDescriptor<String, String> PRICE = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("quotes.Quotes/Price")
            .setRequestMarshaller(Utf8.INSTANCE)
            .setResponseMarshaller(Utf8.INSTANCE)
            .build();
    Server upstream;

    @BeforeEach
    void startUpstreamWhenRecording(TlsRecording tls) throws Exception {
        if (!tls.isRecording()) {
            return;
        }
        ReplayCertificates certs = FakeApi.certificates();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certs.keyStore())) {
            keys.load(in, ReplayCertificates.PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, ReplayCertificates.PASSWORD.toCharArray());
        ServerServiceDefinition quotes = ServerServiceDefinition.builder("quotes.Quotes")
                .addMethod(PRICE, ServerCalls.asyncUnaryCall((symbol, reply) -> {
                    if (symbol.equals("ACME")) {
                        reply.onNext("ACME 112.50 EUR");
                        reply.onCompleted();
                    } else {
                        reply.onError(Status.NOT_FOUND.withDescription("no quote for " + symbol).asRuntimeException());
                    }
                }))
                .build();
        upstream = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", PORT))
                .sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(kmf), SslProvider.JDK).build())
                .addService(quotes)
                .build()
                .start();
    }

    @AfterEach
    void stopUpstream() throws InterruptedException {
        if (upstream != null) {
            upstream.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void pricesASymbolAndHearsWhyAnotherHasNoQuote(TlsRecording tls) throws Exception {
        // the service's CA while recording, the replay's while replaying (a gRPC channel builds its own trust)
        var ca = tls.caCertificate().orElse(FakeApi.certificates().caPem()).toFile();
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", PORT)
                .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK).trustManager(ca).build())
                .build();
        try {
            assertThat(ClientCalls.blockingUnaryCall(channel, PRICE, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), "ACME"))
                    .isEqualTo("ACME 112.50 EUR");
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, PRICE, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), "NOPE"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                        assertThat(e.getStatus().getDescription()).isEqualTo("no quote for NOPE");
                    });
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }

        // the same in both modes: what was sent, and the call's outcome where gRPC puts it
        assertThat(tls.exchanges()).extracting(x -> x.method() + " " + x.url().getPath())
                .containsExactly("POST /quotes.Quotes/Price", "POST /quotes.Quotes/Price");
        RecordedExchange priced = tls.exchanges().get(0), refused = tls.exchanges().get(1);
        assertThat(priced.responseTrailers()).extracting(h -> h.name(), h -> h.value()).contains(tuple("grpc-status", "0"));
        assertThat(refused.responseHeader("grpc-status")).isEqualTo("5");
        assertThat(refused.responseTrailers()).isEmpty();
    }

    enum Utf8 implements MethodDescriptor.Marshaller<String> {
        INSTANCE;

        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("read a gRPC message", e);
            }
        }
    }
}
