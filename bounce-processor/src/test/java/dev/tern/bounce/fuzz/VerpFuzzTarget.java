package dev.tern.bounce.fuzz;

import dev.tern.bounce.verp.VerpCodec;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Fuzz target for VERP return paths. The input, as text, is both a candidate token and the material for a
 * message id and recipient index. Properties: {@code decode} never throws; whatever decodes re-encodes to
 * the same (lower-cased) local part, so every token has one canonical form; {@code encode} either throws
 * the documented {@link IllegalArgumentException} or gives a token that decodes to the same id and index,
 * in any letter case, as a whole address and in angle brackets, and that no longer decodes when its last
 * character changes.
 */
public final class VerpFuzzTarget {
    private static final byte[] SECRET_A = "fuzz-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SECRET_7 = "older-secret-abcdefghij".getBytes(StandardCharsets.UTF_8);
    private static final VerpCodec CURRENT_A = new VerpCodec(Map.of('a', SECRET_A, '7', SECRET_7), 'a');
    private static final VerpCodec CURRENT_7 = new VerpCodec(Map.of('a', SECRET_A, '7', SECRET_7), '7');

    private VerpFuzzTarget() {}

    /** Called by Jazzer once before fuzzing: class initialization (rules, keys, instrumentation) is not timed. */
    public static void fuzzerInitialize() {
        fuzzerTestOneInput(new byte[0]);
    }

    public static void fuzzerTestOneInput(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        Optional<VerpCodec.Decoded> decoded = CURRENT_A.decode(text);
        if (decoded.isPresent()) {
            VerpCodec.Decoded d = decoded.get();
            VerpCodec codec = d.keyId() == 'a' ? CURRENT_A : CURRENT_7;
            String again = codec.encode(d.messageId(), d.recipientIndex());
            if (!again.equals(localPart(text))) {
                throw new IllegalStateException("two encodings of one token: " + text + " and " + again);
            }
        }
        int index = input.length == 0 ? 0 : (input[0] & 0xff) * (input.length % 7 == 0 ? 100_000 : 1);
        String id = text.length() > 40 ? text.substring(0, 40) : text;
        String token;
        try {
            token = CURRENT_A.encode(id, index);
        } catch (IllegalArgumentException e) {
            return; // documented: empty or too long a message id
        }
        for (String form : new String[] {
            token, token.toUpperCase(Locale.ROOT), token + "@bounces.example", "<" + token + "@bounces.example>"
        }) {
            VerpCodec.Decoded d =
                    CURRENT_A.decode(form).orElseThrow(() -> new IllegalStateException("does not decode: " + form));
            if (!d.messageId().equals(id) || d.recipientIndex() != index || d.keyId() != 'a') {
                throw new IllegalStateException("round trip changed " + id + "/" + index + " into " + d);
            }
        }
        char last = token.charAt(token.length() - 1);
        String tampered = token.substring(0, token.length() - 1) + (last == 'a' ? 'b' : 'a');
        if (CURRENT_A.decode(tampered).isPresent()) {
            throw new IllegalStateException("tampered token decodes: " + tampered);
        }
    }

    private static String localPart(String text) {
        String s = text.trim();
        if (s.startsWith("<") && s.endsWith(">")) {
            s = s.substring(1, s.length() - 1);
        }
        int at = s.lastIndexOf('@');
        return (at >= 0 ? s.substring(0, at) : s).toLowerCase(Locale.ROOT);
    }
}
