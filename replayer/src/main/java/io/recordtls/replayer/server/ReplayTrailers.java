package io.recordtls.replayer.server;

import com.github.tomakehurst.wiremock.core.Options;
import com.github.tomakehurst.wiremock.http.AdminRequestHandler;
import com.github.tomakehurst.wiremock.http.HttpServer;
import com.github.tomakehurst.wiremock.http.HttpServerFactory;
import com.github.tomakehurst.wiremock.http.StubRequestHandler;
import com.github.tomakehurst.wiremock.jetty11.Jetty11HttpServer;
import wiremock.jakarta.servlet.DispatcherType;
import wiremock.jakarta.servlet.Filter;
import wiremock.jakarta.servlet.FilterChain;
import wiremock.jakarta.servlet.ServletException;
import wiremock.jakarta.servlet.ServletOutputStream;
import wiremock.jakarta.servlet.WriteListener;
import wiremock.jakarta.servlet.ServletRequest;
import wiremock.jakarta.servlet.ServletResponse;
import wiremock.jakarta.servlet.http.HttpServletRequest;
import wiremock.jakarta.servlet.http.HttpServletResponse;
import wiremock.jakarta.servlet.http.HttpServletResponseWrapper;
import wiremock.org.eclipse.jetty.servlet.FilterHolder;
import wiremock.org.eclipse.jetty.servlet.ServletContextHandler;

import java.io.IOException;
import java.util.AbstractMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Recorded response trailers (gRPC's grpc-status and grpc-message after the last DATA frame)
 * sent again on replay. WireMock's response model has headers and a body only, so a stub carries
 * each trailer as a response header {@value #HEADER} ("name: value"), and the replay's Jetty, built
 * by {@link #serverFactory()}, takes those headers out of the response and sends them as HTTP/2
 * trailers. Without this a gRPC client fails every replayed call ("Received unexpected EOS on
 * non-empty DATA frame from server"). Over HTTP/1.1 the header is dropped and no trailer is sent:
 * the replay answers with a Content-Length, where a trailer has no place. Over HTTP/2 a response
 * with no body ends with its HEADERS frame, as gRPC's "trailers-only" answers do.
 */
public final class ReplayTrailers {
    /** The stub response header that holds one trailer, "name: value"; never sent as a header. */
    public static final String HEADER = "X-Recordtls-Trailer";

    private ReplayTrailers() {}

    /** A trailer as the value of a {@value #HEADER} header. */
    public static String headerValue(String name, String value) {
        return name + ": " + value;
    }

    /** The trailer a {@value #HEADER} value holds, or empty when it holds none. */
    public static Optional<Map.Entry<String, String>> trailer(String headerValue) {
        int colon = headerValue.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        return Optional.of(new AbstractMap.SimpleImmutableEntry<>(headerValue.substring(0, colon).strip(),
                headerValue.substring(colon + 1).strip()));
    }

    /** WireMock's own Jetty server with {@link TrailerFilter} in front of the stubs. */
    public static HttpServerFactory serverFactory() {
        return new HttpServerFactory() {
            @Override
            public String getName() {
                return "recordtls-trailers";
            }

            @Override
            public HttpServer buildHttpServer(Options options, AdminRequestHandler admin, StubRequestHandler stubs) {
                return new Jetty11HttpServer(options, admin, stubs) {
                    @Override
                    protected void decorateMockServiceContextBeforeConfig(ServletContextHandler context) {
                        super.decorateMockServiceContextBeforeConfig(context);
                        context.addFilter(new FilterHolder(new TrailerFilter()), "/*", EnumSet.of(DispatcherType.REQUEST));
                    }
                };
            }
        };
    }

    /**
     * Wraps every stub response (one wrapper deep: WireMock unwraps exactly one to inject a
     * fault), so the {@value #HEADER} headers never reach the client.
     */
    private static final class TrailerFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            if (request instanceof HttpServletRequest req && response instanceof HttpServletResponse res) {
                chain.doFilter(request, new TrailerResponse(res, "HTTP/2.0".equals(req.getProtocol())));
            } else {
                chain.doFilter(request, response);
            }
        }
    }

    private static final class TrailerResponse extends HttpServletResponseWrapper {
        private final boolean http2;
        /** Read by Jetty when it ends the stream, after the body; names lower case as HTTP/2 has them. */
        private final Map<String, String> trailers = new LinkedHashMap<>();
        private ServletOutputStream out;

        TrailerResponse(HttpServletResponse response, boolean http2) {
            super(response);
            this.http2 = http2;
        }

        @Override
        public void addHeader(String name, String value) {
            if (!takeTrailer(name, value)) {
                super.addHeader(name, value);
            }
        }

        @Override
        public void setHeader(String name, String value) {
            if (!takeTrailer(name, value)) {
                super.setHeader(name, value);
            }
        }

        /**
         * Over HTTP/2, a flush before any byte of the body is not passed on: WireMock flushes
         * every body, an empty one too, and Jetty would send the headers at once and end the
         * stream with an empty DATA frame. A recorded headers-only response (gRPC's
         * "trailers-only" answer to a refused call: grpc-status in the headers) must end with its
         * HEADERS frame, or a gRPC client reports "unexpected EOS on empty DATA frame".
         */
        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (!http2) {
                return super.getOutputStream();
            }
            if (out == null) {
                out = new NoEarlyFlush(super.getOutputStream());
            }
            return out;
        }

        /** True when this was a {@value #HEADER} header: kept as a trailer (HTTP/2), else dropped. */
        private boolean takeTrailer(String name, String value) {
            if (!HEADER.equalsIgnoreCase(name)) {
                return false;
            }
            if (!http2 || value == null) {
                return true;
            }
            trailer(value).ifPresent(t -> {
                if (trailers.isEmpty()) {
                    // WireMock sets headers before it writes the body: the response is not committed yet
                    setTrailerFields(() -> trailers);
                }
                // a field sent twice is one field with both values (RFC 9110, 5.3)
                trailers.merge(t.getKey().toLowerCase(Locale.ROOT), t.getValue(), (a, b) -> a + ", " + b);
            });
            return true;
        }
    }

    private static final class NoEarlyFlush extends ServletOutputStream {
        private final ServletOutputStream out;
        private boolean written;

        NoEarlyFlush(ServletOutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            written = true;
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            written |= len > 0;
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            if (written) {
                out.flush(); // a dribbled body (a delay per chunk) still goes out as it is written
            }
        }

        @Override
        public void close() throws IOException {
            out.close();
        }

        @Override
        public boolean isReady() {
            return out.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            out.setWriteListener(listener);
        }
    }
}
