package io.recordtls.recorder.http;

/**
 * Whether bytes begin an HTTP/1.x request line or status line, whole up to its CRLF: where decoding
 * may resume after bytes were lost in capture. Strict on purpose (a body's bytes that happen to
 * begin a call must not pass): a method token, one target without spaces, {@code HTTP/1.0} or
 * {@code HTTP/1.1}; or that version, a status from 100 to 599 and a reason without control bytes.
 */
final class StartLine {
    /** Longest line looked at: a longer request target is not worth resuming at. */
    private static final int MAX_LINE = 16 * 1024;

    private StartLine() {
    }

    static boolean isRequest(byte[] b, int offset, int length) {
        int end = lineEnd(b, offset, length);
        int i = offset;
        while (i < end && isTokenChar(b[i])) {
            i++;
        }
        if (i == offset || i - offset > 32 || i >= end || b[i] != ' ') {
            return false;
        }
        int target = ++i;
        while (i < end && b[i] > ' ' && b[i] != 0x7f) {
            i++;
        }
        return i > target && i < end && b[i] == ' ' && isVersion(b, i + 1, end) && i + 1 + 8 == end;
    }

    static boolean isResponse(byte[] b, int offset, int length) {
        int end = lineEnd(b, offset, length);
        if (end - offset < 12 || !isVersion(b, offset, end) || b[offset + 8] != ' ') {
            return false;
        }
        int s = offset + 9;
        if (b[s] < '1' || b[s] > '5' || !isDigit(b[s + 1]) || !isDigit(b[s + 2])) {
            return false;
        }
        if (s + 3 == end) {
            return true; // no reason phrase
        }
        if (b[s + 3] != ' ') {
            return false;
        }
        for (int i = s + 4; i < end; i++) {
            if ((b[i] < ' ' && b[i] != '\t') || b[i] == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** Where the first line's CR is, or -1 (no CRLF within the bytes or within MAX_LINE). */
    private static int lineEnd(byte[] b, int offset, int length) {
        int limit = offset + Math.min(length, MAX_LINE);
        for (int i = offset; i + 1 < limit; i++) {
            if (b[i] == '\r') {
                return b[i + 1] == '\n' ? i : -1;
            }
            if (b[i] == '\n') {
                return -1;
            }
        }
        return -1;
    }

    private static boolean isVersion(byte[] b, int i, int end) {
        return end - i >= 8 && b[i] == 'H' && b[i + 1] == 'T' && b[i + 2] == 'T' && b[i + 3] == 'P' && b[i + 4] == '/'
                && b[i + 5] == '1' && b[i + 6] == '.' && (b[i + 7] == '0' || b[i + 7] == '1');
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** RFC 9110 tchar. */
    private static boolean isTokenChar(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
