package io.recordtls.har;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/** A body as HAR wants it: text when it is text, base64 otherwise. */
public record BodyText(String text, String encoding) {
    public static BodyText of(byte[] body, String contentType) {
        if (body.length == 0) {
            return new BodyText("", null);
        }
        Charset charset = charset(contentType);
        boolean declaredText = isTextual(contentType);
        if (declaredText || contentType == null || contentType.isBlank()) {
            String s = strictDecode(body, charset);
            if (s != null && (declaredText || looksLikeText(s))) {
                return new BodyText(s, null);
            }
        }
        return new BodyText(Base64.getEncoder().encodeToString(body), "base64");
    }

    public static boolean isTextual(String contentType) {
        if (contentType == null) {
            return false;
        }
        String t = mediaType(contentType);
        return t.startsWith("text/") || t.endsWith("+json") || t.endsWith("+xml") || t.endsWith("/json")
                || t.endsWith("/xml") || t.equals("application/javascript") || t.equals("application/x-www-form-urlencoded")
                || t.equals("application/x-ndjson") || t.equals("application/graphql") || t.equals("application/yaml")
                || t.equals("application/x-yaml") || t.equals("application/ecmascript");
    }

    public static String mediaType(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    /** The charset a Content-Type names, UTF-8 if none or unknown. */
    public static Charset charset(String contentType) {
        if (contentType != null) {
            for (String part : contentType.split(";")) {
                String p = part.trim();
                if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                    try {
                        return Charset.forName(p.substring(8).replace("\"", "").trim());
                    } catch (RuntimeException e) {
                        break;
                    }
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    private static String strictDecode(byte[] b, Charset cs) {
        if (cs.equals(StandardCharsets.UTF_8) && isAscii(b)) {
            // ASCII is valid UTF-8 as it is: one copy into a Latin-1 string, no decoder, no char[].
            // Anything else goes through the strict decoder, which also gives up at the first bad
            // byte of a binary body (a decode with replacements would run through all of it).
            return new String(b, StandardCharsets.ISO_8859_1);
        }
        try {
            return cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean isAscii(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean looksLikeText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
                return false;
            }
        }
        return true;
    }
}
