package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Header values and queue ids: the fast paths give what the general forms gave. */
class HeaderBlockTest {

    /** The form {@link HeaderBlock#value} had before its fast path: the pattern on every field. */
    private static String reference(String field) {
        return field.substring(field.indexOf(':') + 1)
                .replaceAll("\r?\n[ \t]", " ")
                .trim();
    }

    @Test
    void valuesUnfoldAndTrimAsBefore() {
        List<String> fields = List.of(
                "Subject: hello\r\n",
                "Subject:hello",
                "Subject: a\r\n b\r\n\tc\r\n",
                "Subject: a\n b\r\n",
                "Subject: a\r\nb\r\n",
                "Subject:   \r\n",
                "Subject: x\r\n \r\n",
                "Subject: \u00e9t\u00e9 \r\n\t\r\n",
                "Subject: lf at the end\n",
                "Subject: two\r\n\r\n folds\r\n");
        for (String f : fields) {
            byte[] m = (f + (f.endsWith("\n") ? "" : "\r\n") + "\r\nbody\r\n").getBytes(StandardCharsets.UTF_8);
            HeaderBlock h = HeaderBlock.parse(m);
            String raw =
                    new String(m, h.fields().get(0).start(), h.fields().get(0).length(), StandardCharsets.UTF_8);
            assertThat(h.value(h.fields().get(0))).as(f).isEqualTo(reference(raw));
        }
    }

    @Test
    void queueIdsAreFormattedAsBefore() {
        SplittableRandom r = new SplittableRandom(17);
        for (int i = 0; i < 2000; i++) {
            long millis = i == 0 ? 0 : i == 1 ? 0xFFFFFFFFFFFL + 5 : r.nextLong(1L << 44);
            long seq = r.nextLong(1 << 20);
            int rnd = r.nextInt(1 << 16);
            int nanos = r.nextInt(1 << 16);
            assertThat(MessageIds.format(millis, seq, rnd, nanos))
                    .isEqualTo(String.format("%011x%05x%04x%04x", millis, seq, rnd, nanos)
                            .substring(0, 24));
        }
        assertThat(MessageIds.next()).hasSize(24).matches("[0-9a-f]{24}");
    }

    @Test
    void prefixMatchesLowerCasedNamesAsBefore() {
        SplittableRandom r = new SplittableRandom(23);
        String[] names = {
            "X-Tern-Tenant", "x-tern-pool", "X-TERN-META-a", "X-Ter", "X-Ternx", "Subject", "X\u00ffTern-a", "x-tern-"
        };
        for (int i = 0; i < 500; i++) {
            StringBuilder m = new StringBuilder();
            for (int k = r.nextInt(6); k >= 0; k--) {
                String n = names[r.nextInt(names.length)];
                StringBuilder cased = new StringBuilder();
                for (char c : n.toCharArray()) cased.append(r.nextBoolean() ? Character.toUpperCase(c) : c);
                m.append(cased).append(": v").append(k).append("\r\n");
            }
            byte[] raw = (m + "\r\nbody\r\n").getBytes(StandardCharsets.ISO_8859_1);
            HeaderBlock h = HeaderBlock.parse(raw);
            java.util.Map<String, String> expected = new java.util.LinkedHashMap<>();
            int keptLength = raw.length;
            for (HeaderBlock.Field f : h.fields()) {
                String lower = f.name().toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("x-tern-")) {
                    expected.putIfAbsent(lower, h.value(f));
                    keptLength -= f.length();
                }
                assertThat(HeaderBlock.prefix("x-tern-").test(f.name())).isEqualTo(lower.startsWith("x-tern-"));
            }
            assertThat(h.valuesWithPrefix("x-tern-")).containsExactlyEntriesOf(expected);
            assertThat(h.lengthWithout("x-tern-")).isEqualTo(keptLength);
        }
    }
}
