package io.recordtls.recorder.e2e.clients;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.File;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Java HTTP clients from Maven Central, run in a JVM of their own by JvmLibrariesEndToEndTest:
 * each sends GET /json and POST /echo (a binary body) to the demo server and prints both answers.
 *   LibraryClients okhttp|apache-classic|apache-async|netty CA_PEM BASE
 */
public final class LibraryClients {
    /** What the test expects echoed: binary, not UTF-8. */
    public static byte[] upload() {
        byte[] b = new byte[70_000];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i % 253);
        }
        return b;
    }

    public static void main(String[] a) throws Exception {
        TrustManagerFactory tmf = trusting(Path.of(a[1]));
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        String base = a[2];
        switch (a[0]) {
            case "okhttp" -> {
                OkHttpClient client = new OkHttpClient.Builder()
                        .sslSocketFactory(ssl.getSocketFactory(), (X509TrustManager) tmf.getTrustManagers()[0]).build();
                try (var r = client.newCall(new Request.Builder().url(base + "/json").build()).execute()) {
                    System.out.println(r.code() + " " + r.body().string());
                }
                try (var r = client.newCall(new Request.Builder().url(base + "/echo")
                        .post(RequestBody.create(upload(), MediaType.get("application/octet-stream"))).build()).execute()) {
                    System.out.println(r.code() + " " + r.body().bytes().length);
                }
                client.connectionPool().evictAll();
            }
            case "apache-classic" -> {
                try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setTlsSocketStrategy(ClientTlsStrategyBuilder.create().setSslContext(ssl).buildClassic()).build()).build()) {
                    String json = client.execute(new HttpGet(base + "/json"), r -> r.getCode() + " " + EntityUtils.toString(r.getEntity()));
                    System.out.println(json);
                    HttpPost post = new HttpPost(base + "/echo");
                    post.setEntity(new ByteArrayEntity(upload(), ContentType.APPLICATION_OCTET_STREAM));
                    String echo = client.execute(post, r -> r.getCode() + " " + EntityUtils.toByteArray(r.getEntity()).length);
                    System.out.println(echo);
                }
            }
            case "apache-async" -> {
                try (CloseableHttpAsyncClient client = HttpAsyncClients.custom().setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setTlsStrategy(ClientTlsStrategyBuilder.create().setSslContext(ssl).buildAsync()).build()).build()) {
                    client.start();
                    SimpleHttpResponse json = client.execute(SimpleRequestBuilder.get(base + "/json").build(), null).get(30, TimeUnit.SECONDS);
                    System.out.println(json.getCode() + " " + json.getBodyText());
                    SimpleHttpRequest post = SimpleRequestBuilder.post(base + "/echo").setBody(upload(),
                            org.apache.hc.core5.http.ContentType.APPLICATION_OCTET_STREAM).build();
                    SimpleHttpResponse echo = client.execute(post, null).get(30, TimeUnit.SECONDS);
                    System.out.println(echo.getCode() + " " + echo.getBodyBytes().length);
                }
            }
            case "netty" -> netty(a[1], URI.create(base));
            default -> throw new IllegalArgumentException(a[0]);
        }
    }

    /** Netty with the JDK's SSLEngine (SslProvider.JDK), one connection, the two requests in turn. */
    private static void netty(String caPem, URI base) throws Exception {
        SslContext ssl = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(new File(caPem)).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            CompletableFuture<FullHttpResponse>[] next = new CompletableFuture[1];
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel c) {
                    c.pipeline().addLast(ssl.newHandler(c.alloc(), base.getHost(), base.getPort()), new HttpClientCodec(),
                            new HttpObjectAggregator(1 << 20), new SimpleChannelInboundHandler<FullHttpResponse>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                    next[0].complete(r.retainedDuplicate());
                                }
                            });
                }
            }).connect(base.getHost(), base.getPort()).sync().channel();
            for (FullHttpRequest req : new FullHttpRequest[] {
                    new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/json"),
                    new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/echo", Unpooled.wrappedBuffer(upload()))}) {
                req.headers().set(HttpHeaderNames.HOST, base.getHost() + ":" + base.getPort());
                req.headers().set(HttpHeaderNames.CONTENT_LENGTH, req.content().readableBytes());
                req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
                next[0] = new CompletableFuture<>();
                ch.writeAndFlush(req).sync();
                FullHttpResponse r = next[0].get(30, TimeUnit.SECONDS);
                System.out.println(r.status().code() + " " + r.content().readableBytes());
                r.release();
            }
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static TrustManagerFactory trusting(Path caPem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }
}
