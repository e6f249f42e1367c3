package io.recordtls.replayer.server;

/** A request no stub matched, and what the closest recorded request differs in. */
public record UnmatchedRequest(String method, String url, String closest, String difference) {
    @Override
    public String toString() {
        return method + " " + url + (closest == null ? " (nothing recorded is close)"
                : ", closest recorded: " + closest + (difference == null || difference.isBlank() ? "" : "\n" + difference));
    }
}
