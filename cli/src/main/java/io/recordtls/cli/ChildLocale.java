package io.recordtls.cli;

import java.util.Map;

/**
 * The launcher runs the JVM under a UTF-8 locale so that arguments reach the recorded command
 * byte for byte; the command gets the user's own LC_ALL back.
 */
final class ChildLocale {
    static final String ORIGINAL = "RECORDTLS_ORIGINAL_LC_ALL";
    static final String UNSET = "__unset__";

    private ChildLocale() {}

    static void restore(Map<String, String> env) {
        String original = env.remove(ORIGINAL);
        if (original == null) {
            return;
        }
        if (original.equals(UNSET)) {
            env.remove("LC_ALL");
        } else {
            env.put("LC_ALL", original);
        }
    }
}
