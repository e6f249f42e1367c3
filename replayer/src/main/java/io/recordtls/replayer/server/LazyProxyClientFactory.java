package io.recordtls.replayer.server;

import com.github.tomakehurst.wiremock.core.Options;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.Response;
import com.github.tomakehurst.wiremock.http.client.ApacheHttpClientFactory;
import com.github.tomakehurst.wiremock.http.client.HttpClient;
import com.github.tomakehurst.wiremock.http.client.HttpClientFactory;

import java.io.IOException;
import java.util.List;

/**
 * WireMock's own proxy client, built on the first proxied request instead of at start. A replay
 * proxies nothing unless a test's override stub says so, and building the two clients WireMock
 * makes (Apache HttpClient 5 and its TLS set-up: about 190 classes) is part of every replay's
 * first test otherwise.
 */
final class LazyProxyClientFactory implements HttpClientFactory {
    private final ApacheHttpClientFactory wireMocks = new ApacheHttpClientFactory();

    @Override
    public HttpClient buildHttpClient(Options options, boolean trustAllCertificates, List<String> trustedHosts,
                                      boolean useSystemProperties) {
        return new HttpClient() {
            private HttpClient client;

            @Override
            public Response execute(Request request) throws IOException {
                return client().execute(request);
            }

            private synchronized HttpClient client() {
                if (client == null) {
                    client = wireMocks.buildHttpClient(options, trustAllCertificates, trustedHosts, useSystemProperties);
                }
                return client;
            }
        };
    }
}
