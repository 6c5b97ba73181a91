package dev.jobgateway.outputs;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * A {@code data:} URL decoded whole (RFC 2397: {@code data:[<mediatype>][;base64],<data>}), or refused as malformed.
 * Its bytes are already in memory (the webhook body that carried it, at most the route's body limit), so decoding it
 * up front costs nothing more and means a malformed one is a {@link CopyFailure.Kind#REFUSED} file, found before
 * anything is uploaded, never an exception halfway through an upload.
 *
 * @param contentType the media type it declares, without parameters ({@code text/plain} when it declares none)
 * @param bytes its data
 */
record DataUrl(String contentType, byte[] bytes) {

    /** Decodes {@code url}; more than {@code maxBytes} of data is refused as too large. */
    static DataUrl decode(String url, long maxBytes) throws CopyFailure {
        int comma = url.indexOf(',');
        if (comma < 5) {
            throw malformed("no ',' between its type and its data");
        }
        String meta = url.substring(5, comma);
        boolean base64 = meta.toLowerCase(Locale.ROOT).endsWith(";base64");
        String type = (base64 ? meta.substring(0, meta.length() - 7) : meta).split(";", 2)[0].trim();
        String payload = url.substring(comma + 1);
        if ((base64 ? payload.length() / 4L * 3 : payload.length()) > maxBytes + 3) {
            throw SourceFetcher.tooLarge(maxBytes);
        }
        byte[] data = percentDecode(payload);
        if (base64) {
            data = base64(data);
        }
        if (data.length > maxBytes) {
            throw SourceFetcher.tooLarge(maxBytes);
        }
        return new DataUrl(type.isEmpty() ? "text/plain" : type, data);
    }

    /**
     * Percent-escapes ({@code %XX}, RFC 3986 section 2.1) as their bytes, other characters as their UTF-8 bytes. A
     * {@code %} not followed by two hex digits is malformed: what the sender meant cannot be known.
     */
    private static byte[] percentDecode(String payload) throws CopyFailure {
        if (payload.indexOf('%') < 0) {
            return payload.getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length());
        for (int i = 0; i < payload.length(); i++) {
            char c = payload.charAt(i);
            if (c != '%') {
                int end = Character.isHighSurrogate(c) && i + 1 < payload.length() ? i + 2 : i + 1;
                out.writeBytes(payload.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end - 1;
                continue;
            }
            int high = i + 2 < payload.length() ? Character.digit(payload.charAt(i + 1), 16) : -1;
            int low = high < 0 ? -1 : Character.digit(payload.charAt(i + 2), 16);
            if (low < 0) {
                throw malformed("a '%' not followed by two hex digits at character " + (i + 1));
            }
            out.write(high << 4 | low);
            i += 2;
        }
        return out.toByteArray();
    }

    /** Base64 with ASCII whitespace ignored and padding optional, as browsers take it (WHATWG forgiving-base64). */
    private static byte[] base64(byte[] encoded) throws CopyFailure {
        String text = new String(encoded, StandardCharsets.ISO_8859_1).replaceAll("[ \t\n\f\r]", "");
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw malformed("invalid base64 (" + e.getMessage() + ")");
        }
    }

    private static CopyFailure malformed(String why) {
        return new CopyFailure(CopyFailure.Kind.REFUSED, "a malformed data URL: " + why);
    }
}
