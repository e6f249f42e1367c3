package io.recordtls.recorder.e2e;

import io.recordtls.recorder.demo.DemoHttpsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;

/** End-to-end tests whose clients call one demo HTTPS server on loopback, up for the whole class. */
public abstract class DemoServerTestBase extends EndToEndTestBase {
    protected static DemoHttpsServer server;
    /** https://127.0.0.1:PORT */
    protected static String base;
    /** The PEM file of the CA clients must trust. */
    protected static String ca;

    // Names of their own: a subclass's static method of the same name would hide these, and JUnit would not run them.
    @BeforeAll
    static void startDemoServer() throws IOException {
        server = DemoHttpsServer.start();
        base = server.baseUrl();
        ca = server.caCertificate().toString();
    }

    @AfterAll
    static void stopDemoServer() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
