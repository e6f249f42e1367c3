package io.recordtls.recorder.http;

import java.util.List;

/**
 * A request and its response (null when none came), as one HAR entry will show them.
 * {@code notes} says what is unusual (upgraded, incomplete...).
 */
public record Exchange(ConnectionInfo connection, String protocol, CapturedMessage request, CapturedMessage response,
                       List<String> notes) {
    /** Frees the bodies (a large one is spooled to a file): once the exchange is written everywhere it goes. */
    public void closeBodies() {
        request.body.close();
        if (response != null) {
            response.body.close();
        }
    }
}
