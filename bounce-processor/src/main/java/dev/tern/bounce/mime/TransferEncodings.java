package dev.tern.bounce.mime;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/** Lenient base64 and quoted-printable decoders: invalid input is skipped, never an exception. */
public final class TransferEncodings {
    private static final int[] B64 = new int[128];

    static {
        java.util.Arrays.fill(B64, -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            B64[alphabet.charAt(i)] = i;
        }
        B64['-'] = 62; // base64url, seen in broken mailers
        B64['_'] = 63;
    }

    private TransferEncodings() {}

    /** Decodes a body according to its Content-Transfer-Encoding (7bit/8bit/binary bodies are returned as is). */
    public static byte[] decode(byte[] body, String encoding) {
        if (encoding == null) {
            return body;
        }
        return switch (encoding.trim().toLowerCase(Locale.ROOT)) {
            case "base64" -> base64(body);
            case "quoted-printable" -> quotedPrintable(body);
            default -> body;
        };
    }

    /** Decodes base64, ignoring characters outside the alphabet and stopping at padding. */
    public static byte[] base64(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length * 3 / 4 + 3);
        int buffer = 0;
        int bits = 0;
        for (byte b : in) {
            int c = b & 0xff;
            if (c == '=') {
                bits = 0; // padding ends a quantum; tolerate concatenated encodings
                buffer = 0;
                continue;
            }
            if (c >= 128 || B64[c] < 0) {
                continue;
            }
            buffer = (buffer << 6) | B64[c];
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out.write((buffer >> bits) & 0xff);
            }
        }
        return out.toByteArray();
    }

    /** Decodes quoted-printable; malformed escapes are kept literally. */
    public static byte[] quotedPrintable(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            int c = in[i] & 0xff;
            if (c != '=') {
                out.write(c);
                continue;
            }
            // soft line break: "=" followed by optional whitespace then LF/CRLF
            int j = i + 1;
            while (j < in.length && (in[j] == ' ' || in[j] == '\t')) {
                j++;
            }
            if (j < in.length && (in[j] == '\n' || in[j] == '\r')) {
                if (in[j] == '\r' && j + 1 < in.length && in[j + 1] == '\n') {
                    j++;
                }
                i = j;
                continue;
            }
            if (j >= in.length) {
                i = j;
                continue;
            }
            if (i + 2 < in.length) {
                int hi = Character.digit(in[i + 1], 16);
                int lo = Character.digit(in[i + 2], 16);
                if (hi >= 0 && lo >= 0) {
                    out.write(hi * 16 + lo);
                    i += 2;
                    continue;
                }
            }
            out.write(c);
        }
        return out.toByteArray();
    }
}
