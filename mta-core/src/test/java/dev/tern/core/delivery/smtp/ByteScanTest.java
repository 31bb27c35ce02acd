package dev.tern.core.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The word-at-a-time scans agree with byte-at-a-time ones, at every offset and length. */
class ByteScanTest {

    private static byte[] randomMessage(Random r, int length, int highBitOneIn) {
        byte[] m = new byte[length];
        for (int i = 0; i < length; i++) {
            int k = r.nextInt(40);
            m[i] = (byte) (k == 0 ? '\n' : k == 1 ? '\r' : k == 2 ? '.' : 'a' + k % 26);
            if (highBitOneIn > 0 && r.nextInt(highBitOneIn) == 0) m[i] = (byte) (0x80 | r.nextInt(128));
        }
        return m;
    }

    @Test
    void indexOfAndAnyHighBitMatchTheNaiveScans() {
        Random r = new Random(17);
        for (int round = 0; round < 3000; round++) {
            byte[] m = randomMessage(r, r.nextInt(80), round % 3 == 0 ? 0 : 30);
            int from = m.length == 0 ? 0 : r.nextInt(m.length + 1);
            int to = from + (m.length - from == 0 ? 0 : r.nextInt(m.length - from + 1));
            byte b = (byte) "\n\r.a\u0080\u00ff".charAt(r.nextInt(6));
            int naive = -1;
            for (int i = from; i < to; i++)
                if (m[i] == b) {
                    naive = i;
                    break;
                }
            assertThat(ByteScan.indexOf(m, from, to, b)).as("round %d", round).isEqualTo(naive);
            boolean high = false;
            for (int i = from; i < to; i++) high |= m[i] < 0;
            assertThat(ByteScan.anyHighBit(m, from, to)).as("round %d", round).isEqualTo(high);
        }
    }

    /** RFC 5321 4.5.2 done the plain way: a '.' at a line start doubled, then CRLF "." CRLF. */
    private static String naiveStuff(byte[] m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < m.length; i++) {
            if (m[i] == '.' && (i == 0 || m[i - 1] == '\n')) out.write('.');
            out.write(m[i]);
        }
        boolean crlf = m.length >= 2 && m[m.length - 2] == '\r' && m[m.length - 1] == '\n';
        if (!crlf && m.length > 0) out.writeBytes("\r\n".getBytes());
        out.writeBytes(".\r\n".getBytes());
        return out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void dotStuffingMatchesTheNaiveRule() {
        Random r = new Random(5);
        for (int round = 0; round < 500; round++) {
            byte[] m = randomMessage(r, r.nextInt(round < 400 ? 200 : 3 * DotStuffer.CHUNK), 0);
            assertThat(DotStufferTest.stuff(m)).as("round %d", round).isEqualTo(naiveStuff(m));
        }
    }

    @Test
    void contentScanMatchesTheNaiveScan() {
        Random r = new Random(9);
        for (int round = 0; round < 2000; round++) {
            byte[] m = randomMessage(r, r.nextInt(120), round % 2 == 0 ? 0 : 60);
            if (round % 5 == 0 && m.length > 10) { // an empty line somewhere
                int at = r.nextInt(m.length - 3);
                m[at] = '\n';
                m[at + 1] = '\r';
                m[at + 2] = '\n';
            }
            int length = m.length == 0 ? 0 : r.nextInt(m.length + 1);
            int headerEnd = length;
            if (length > 0 && (m[0] == '\n' || (m[0] == '\r' && length > 1 && m[1] == '\n'))) headerEnd = 0;
            else
                for (int i = 0; i + 1 < length; i++) {
                    if (m[i] != '\n') continue;
                    if (m[i + 1] == '\n') {
                        headerEnd = i + 2;
                        break;
                    }
                    if (m[i + 1] == '\r' && i + 2 < length && m[i + 2] == '\n') {
                        headerEnd = i + 3;
                        break;
                    }
                }
            assertThat(MessageContent.headerEnd(m, length))
                    .as("round %d", round)
                    .isEqualTo(headerEnd);
            boolean headHigh = false, bodyHigh = false;
            for (int i = 0; i < headerEnd; i++) headHigh |= m[i] < 0;
            for (int i = headerEnd; i < length; i++) bodyHigh |= m[i] < 0;
            boolean rest = r.nextBoolean();
            MessageContent expected = headHigh
                    ? MessageContent.UTF8_HEADERS
                    : rest || bodyHigh ? MessageContent.EIGHT_BIT : MessageContent.SEVEN_BIT;
            assertThat(MessageContent.scan(m, length, rest))
                    .as("round %d", round)
                    .isEqualTo(expected);
        }
    }
}
