package dev.tern.bounce.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Decodes RFC 2047 encoded words ({@code =?charset?B|Q?text?=}); undecodable words are kept as written. */
public final class EncodedWords {
    private static final Pattern WORD = Pattern.compile("=\\?([^?\\s]+)\\?([bBqQ])\\?([^?\\s]*)\\?=");
    private static final Pattern BETWEEN_WORDS = Pattern.compile("(\\?=)\\s+(=\\?)");

    private EncodedWords() {}

    /** Decodes every encoded word in {@code value}; never throws. */
    public static String decode(String value) {
        if (value == null || !value.contains("=?")) {
            return value;
        }
        String joined = BETWEEN_WORDS.matcher(value).replaceAll("$1$2");
        Matcher m = WORD.matcher(joined);
        StringBuilder out = new StringBuilder(joined.length());
        while (m.find()) {
            String decoded;
            try {
                String charset = m.group(1);
                int star = charset.indexOf('*'); // RFC 2231 language suffix
                if (star > 0) {
                    charset = charset.substring(0, star);
                }
                byte[] bytes = m.group(2).equalsIgnoreCase("B")
                        ? TransferEncodings.base64(m.group(3).getBytes(StandardCharsets.US_ASCII))
                        : qWord(m.group(3));
                decoded = Charsets.decode(bytes, charset);
            } catch (RuntimeException e) {
                decoded = m.group();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(decoded));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static byte[] qWord(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '_') {
                out.write(' ');
            } else if (c == '='
                    && i + 2 < text.length()
                    && Character.digit(text.charAt(i + 1), 16) >= 0
                    && Character.digit(text.charAt(i + 2), 16) >= 0) {
                out.write(Character.digit(text.charAt(i + 1), 16) * 16 + Character.digit(text.charAt(i + 2), 16));
                i += 2;
            } else {
                out.write(c & 0xff);
            }
        }
        return out.toByteArray();
    }
}
