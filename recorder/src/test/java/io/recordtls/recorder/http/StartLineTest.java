package io.recordtls.recorder.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class StartLineTest {
    private static boolean request(String s) {
        byte[] b = ("xx" + s).getBytes(StandardCharsets.ISO_8859_1);
        return StartLine.isRequest(b, 2, b.length - 2);
    }

    private static boolean response(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return StartLine.isResponse(b, 0, b.length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET / HTTP/1.1\r\n", "POST /a?b=c HTTP/1.0\r\nHost: h", "M-SEARCH * HTTP/1.1\r\n",
            "CONNECT api.test:443 HTTP/1.1\r\n", "GET http://h/x HTTP/1.1\r\n"})
    void requestLines(String s) {
        assertThat(request(s)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET / HTTP/1.1", "GET / HTTP/1.1\n", "GET  / HTTP/1.1\r\n", "GET / HTTP/2.0\r\n",
            "GET / HTTP/1.1 \r\n", "{\"GET / HTTP/1.1\r\n", "GET /a b HTTP/1.1\r\n", " GET / HTTP/1.1\r\n", "", "\r\n"})
    void notRequestLines(String s) {
        assertThat(request(s)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 200 OK\r\n", "HTTP/1.0 404 Not Found\r\n", "HTTP/1.1 204\r\n", "HTTP/1.1 599 \r\n"})
    void statusLines(String s) {
        assertThat(response(s)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 200 OK", "HTTP/1.1 600 Nope\r\n", "HTTP/1.1 20 OK\r\n", "HTTP/1.1 2000\r\n",
            "HTTP/2 200\r\n", "xHTTP/1.1 200 OK\r\n", "HTTP/1.1 200 O\0K\r\n", "HTTP/1.1 200 OK\n"})
    void notStatusLines(String s) {
        assertThat(response(s)).isFalse();
    }
}
