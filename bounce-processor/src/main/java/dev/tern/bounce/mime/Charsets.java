package dev.tern.bounce.mime;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Lenient charset handling: unknown or missing charsets fall back to UTF-8 when valid, else ISO-8859-1. */
public final class Charsets {
    private Charsets() {}

    /** Decodes {@code bytes} in {@code charsetName}; never throws. */
    public static String decode(byte[] bytes, String charsetName) {
        Charset cs = lookup(charsetName);
        if (cs != null) {
            return new String(bytes, cs);
        }
        return guess(bytes);
    }

    /** UTF-8 if the bytes are valid UTF-8, ISO-8859-1 otherwise. */
    public static String guess(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    static Charset lookup(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        String n = name.trim().replace("\"", "").toLowerCase(Locale.ROOT);
        if (n.equals("us-ascii") || n.equals("ascii") || n.equals("unknown-8bit") || n.equals("x-unknown")) {
            return null; // 8-bit data is frequently mislabelled: guess instead
        }
        if (n.equals("iso-2022-jp") || n.equals("iso-2022-jp-2")) {
            n = "ISO-2022-JP";
        } else if (n.equals("shift_jis") || n.equals("sjis") || n.equals("x-sjis")) {
            n = "windows-31j";
        } else if (n.equals("ks_c_5601-1987")) {
            n = "EUC-KR";
        }
        try {
            return Charset.forName(n);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
