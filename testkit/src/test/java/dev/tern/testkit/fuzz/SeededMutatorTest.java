package dev.tern.testkit.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeededMutatorTest {
    private static final List<byte[]> INPUTS = List.of(
            "EHLO a\r\nMAIL FROM:<a@b>\r\n".getBytes(StandardCharsets.US_ASCII), new byte[0], new byte[] {0, 1, 2});

    private static List<byte[]> run(long seed, int n) {
        SeededMutator m = new SeededMutator(INPUTS, List.of("DATA".getBytes(StandardCharsets.US_ASCII)), seed, 64);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(m.next());
        }
        return out;
    }

    @Test
    void sameSeedGivesTheSameInputsAndAnotherSeedOthers() {
        List<byte[]> a = run(1, 500);
        List<byte[]> b = run(1, 500);
        List<byte[]> c = run(2, 500);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i)).isEqualTo(a.get(i));
        }
        assertThat(c.stream().map(String::new).toList())
                .isNotEqualTo(a.stream().map(String::new).toList());
    }

    @Test
    void inputsAreMutatedAndBounded() {
        List<byte[]> a = run(5, 500);
        assertThat(a).allSatisfy(x -> assertThat(x.length).isLessThanOrEqualTo(64));
        long unchanged = a.stream()
                .filter(x -> INPUTS.stream().anyMatch(i -> java.util.Arrays.equals(i, x)))
                .count();
        assertThat(unchanged).isLessThan(50);
        assertThat(a.stream().anyMatch(x -> new String(x, StandardCharsets.ISO_8859_1).contains("DATA")))
                .isTrue();
    }

    @Test
    void dictionaryEscapesAreDecoded() {
        List<byte[]> tokens = SeededMutator.parseDictionary(
                List.of("# comment", "", "\"EHLO \"", "kw=\"DATA\\x0d\\x0a\"", "\"a\\\"b\\\\\"", "bad"));
        assertThat(tokens.stream().map(t -> new String(t, StandardCharsets.ISO_8859_1)))
                .containsExactly("EHLO ", "DATA\r\n", "a\"b\\");
    }
}
