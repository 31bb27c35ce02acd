package dev.tern.testkit.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Derives fuzz inputs from a fixed list of checked-in inputs by seeded mutations, without coverage
 * feedback: the same seed, inputs and dictionary give the same sequence of inputs on every run and every
 * machine, whatever threads the target runs. The mutations are libFuzzer's basic ones (bit flip, random
 * byte, insert, erase, copy a range, insert a dictionary token, splice two inputs), one to four per input.
 */
final class SeededMutator {
    private final List<byte[]> inputs;
    private final List<byte[]> dictionary;
    private final SplittableRandom random;
    private final int maxLength;

    SeededMutator(List<byte[]> inputs, List<byte[]> dictionary, long seed, int maxLength) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("no checked-in inputs to mutate");
        }
        this.inputs = List.copyOf(inputs);
        this.dictionary = List.copyOf(dictionary);
        this.random = new SplittableRandom(seed);
        this.maxLength = maxLength;
    }

    /** The next input: a checked-in input with one to four mutations, at most {@code maxLength} bytes. */
    byte[] next() {
        byte[] data = inputs.get(random.nextInt(inputs.size()));
        int mutations = 1 + random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            data = mutate(data);
        }
        return data.length > maxLength ? Arrays.copyOf(data, maxLength) : data;
    }

    private byte[] mutate(byte[] data) {
        int kind = random.nextInt(dictionary.isEmpty() ? 6 : 7);
        if (data.length == 0 && kind < 5) {
            kind = 2; // only insertion makes sense on nothing
        }
        return switch (kind) {
            case 0 -> flipBit(data);
            case 1 -> setByte(data);
            case 2 -> insert(data, randomBytes(1 + random.nextInt(8)));
            case 3 -> erase(data);
            case 4 -> copyRange(data);
            case 5 -> splice(data, inputs.get(random.nextInt(inputs.size())));
            default -> insert(data, dictionary.get(random.nextInt(dictionary.size())));
        };
    }

    private byte[] flipBit(byte[] data) {
        byte[] out = data.clone();
        int at = random.nextInt(out.length);
        out[at] ^= (byte) (1 << random.nextInt(8));
        return out;
    }

    private byte[] setByte(byte[] data) {
        byte[] out = data.clone();
        out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        return out;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    private byte[] insert(byte[] data, byte[] piece) {
        int at = random.nextInt(data.length + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + piece.length);
        out.write(data, 0, at);
        out.write(piece, 0, piece.length);
        out.write(data, at, data.length - at);
        return out.toByteArray();
    }

    private byte[] erase(byte[] data) {
        int from = random.nextInt(data.length);
        int len = 1 + random.nextInt(Math.min(16, data.length - from));
        byte[] out = new byte[data.length - len];
        System.arraycopy(data, 0, out, 0, from);
        System.arraycopy(data, from + len, out, from, data.length - from - len);
        return out;
    }

    private byte[] copyRange(byte[] data) {
        int from = random.nextInt(data.length);
        int len = 1 + random.nextInt(Math.min(64, data.length - from));
        return insert(data, Arrays.copyOfRange(data, from, from + len));
    }

    private byte[] splice(byte[] data, byte[] other) {
        int cut = random.nextInt(data.length + 1);
        int from = other.length == 0 ? 0 : random.nextInt(other.length + 1);
        byte[] out = Arrays.copyOf(data, cut + other.length - from);
        System.arraycopy(other, from, out, cut, other.length - from);
        return out;
    }

    /**
     * Parses a libFuzzer dictionary: one {@code "token"} per line (optionally {@code name="token"}), with
     * {@code \\}, {@code \"} and {@code \xNN} escapes; {@code #} comments and blank lines are skipped.
     */
    static List<byte[]> parseDictionary(List<String> lines) {
        List<byte[]> out = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.strip();
            int open = line.indexOf('"');
            if (line.isEmpty()
                    || line.startsWith("#")
                    || open < 0
                    || !line.endsWith("\"")
                    || line.length() - open < 2) {
                continue;
            }
            String body = line.substring(open + 1, line.length() - 1);
            ByteArrayOutputStream token = new ByteArrayOutputStream();
            for (int i = 0; i < body.length(); i++) {
                char c = body.charAt(i);
                if (c == '\\' && i + 1 < body.length()) {
                    char e = body.charAt(++i);
                    if (e == 'x' && i + 2 < body.length() && isHex(body.charAt(i + 1)) && isHex(body.charAt(i + 2))) {
                        token.write(Integer.parseInt(body.substring(i + 1, i + 3), 16));
                        i += 2;
                    } else {
                        token.write(e);
                    }
                } else {
                    token.write(c);
                }
            }
            out.add(token.toByteArray());
        }
        return out;
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }
}
