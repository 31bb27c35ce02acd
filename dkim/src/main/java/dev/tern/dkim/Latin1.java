package dev.tern.dkim;

import java.nio.charset.StandardCharsets;

/** ISO-8859-1 conversions: header text is handled as one char per byte. */
final class Latin1 {
    private Latin1() {}

    static byte[] bytes(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
