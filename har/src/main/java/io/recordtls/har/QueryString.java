package io.recordtls.har;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** name=value pairs of a query string or a urlencoded form, decoded, in order. */
public final class QueryString {
    private QueryString() {}

    public static List<Map.Entry<String, String>> parse(String s) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String part : s.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            out.add(Map.entry(decode(name), decode(value)));
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s; // keep a malformed escape as sent
        }
    }
}
