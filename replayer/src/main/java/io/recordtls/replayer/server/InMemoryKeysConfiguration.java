package io.recordtls.replayer.server;

import com.github.tomakehurst.wiremock.common.HttpsSettings;
import com.github.tomakehurst.wiremock.common.ssl.KeyStoreSettings;
import com.github.tomakehurst.wiremock.common.ssl.KeyStoreSource;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import java.io.InputStream;
import java.security.KeyStore;

/**
 * WireMock's configuration with the HTTPS key handed to Jetty as a {@link KeyStore} object.
 * WireMock only takes a key store by path: writing one would leave the server's private key in
 * the stub directory (which users commit) and cost a PKCS#12 encryption on the way out and a
 * decryption on the way in, both paid again by every replay's first test.
 */
final class InMemoryKeysConfiguration extends WireMockConfiguration {
    private final KeyStore keys;

    InMemoryKeysConfiguration(KeyStore keys) {
        this.keys = keys;
    }

    @Override
    public HttpsSettings httpsSettings() {
        HttpsSettings s = super.httpsSettings();
        return new HttpsSettings(s.port(), null, ReplayCertificates.PASSWORD, ReplayCertificates.PASSWORD, keys.getType(),
                s.trustStorePath(), s.trustStorePassword(), s.trustStoreType(), s.needClientAuth()) {
            @Override
            public KeyStoreSettings keyStore() {
                return new KeyStoreSettings(new Source(keys));
            }
        };
    }

    /** A key store that is already loaded: WireMock's {@link #load()} is all Jetty calls. */
    private static final class Source extends KeyStoreSource {
        private final KeyStore keys;

        Source(KeyStore keys) {
            super(keys.getType(), ReplayCertificates.PASSWORD.toCharArray());
            this.keys = keys;
        }

        @Override
        public KeyStore load() {
            return keys;
        }

        @Override
        protected InputStream createInputStream() {
            throw new UnsupportedOperationException("the replay server's keys are in memory only");
        }

        @Override
        public void save(KeyStore item) {
            throw new UnsupportedOperationException("the replay server's keys are in memory only");
        }

        @Override
        public boolean exists() {
            return true;
        }
    }
}
