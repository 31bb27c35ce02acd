package dev.tern.core.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DotStufferTest {

    static String stuff(byte[] message) {
        DotStuffer s = new DotStuffer(message, ByteBufAllocator.DEFAULT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (s.hasNext()) {
            ByteBuf b = s.next();
            assertThat(b.readableBytes()).isLessThanOrEqualTo(DotStuffer.CHUNK + 5);
            byte[] a = new byte[b.readableBytes()];
            b.readBytes(a);
            b.release();
            out.writeBytes(a);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    static String stuff(String message) {
        return stuff(message.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void doublesDotsAtLineStartsAndTerminates() {
        assertThat(stuff(".a\r\nb.c\r\n.\r\n")).isEqualTo("..a\r\nb.c\r\n..\r\n.\r\n");
        assertThat(stuff("no final crlf")).isEqualTo("no final crlf\r\n.\r\n");
        assertThat(stuff("ends with a dot line\r\n.")).isEqualTo("ends with a dot line\r\n..\r\n.\r\n");
        assertThat(stuff("")).isEqualTo(".\r\n");
        assertThat(stuff("..\r\n")).isEqualTo("...\r\n.\r\n");
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    /** A head array plus a tail file is sent as if it were one array. */
    @Test
    void aTailFileContinuesTheMessage() throws Exception {
        java.util.Random r = new java.util.Random(3);
        for (int round = 0; round < 20; round++) {
            byte[] m = new byte[r.nextInt(4 * DotStuffer.CHUNK)];
            for (int i = 0; i < m.length; i++) {
                int k = r.nextInt(30);
                m[i] = (byte) (k == 0 ? '\n' : k == 1 ? '\r' : k < 5 ? '.' : 'a' + k);
            }
            // dots right at the borders of the file's blocks and of the head
            for (int border = DotStuffer.CHUNK; border < m.length; border += DotStuffer.CHUNK) {
                m[border - 1] = '\n';
                m[border] = '.';
            }
            int split = m.length == 0 ? 0 : r.nextInt(m.length + 1);
            if (round == 0) split = 0; // an empty head
            java.nio.file.Path tail =
                    java.nio.file.Files.write(dir.resolve("tail-" + round), Arrays.copyOfRange(m, split, m.length));
            DotStuffer s = new DotStuffer(Arrays.copyOf(m, split), tail, ByteBufAllocator.DEFAULT);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (s.hasNext()) {
                ByteBuf b = s.next();
                assertThat(b.readableBytes()).isLessThanOrEqualTo(DotStuffer.CHUNK + 5);
                byte[] a = new byte[b.readableBytes()];
                b.readBytes(a);
                b.release();
                out.writeBytes(a);
            }
            assertThat(out.toString(StandardCharsets.ISO_8859_1))
                    .as("round %d, split %d of %d", round, split, m.length)
                    .isEqualTo(stuff(m));
        }
    }

    @Test
    void dotsAtChunkBordersAreStuffedOnce() {
        byte[] m = new byte[3 * DotStuffer.CHUNK + 10];
        Arrays.fill(m, (byte) 'x');
        for (int border : new int[] {DotStuffer.CHUNK, 2 * DotStuffer.CHUNK - 1, 2 * DotStuffer.CHUNK + 1}) {
            m[border - 2] = '\r';
            m[border - 1] = '\n';
            m[border] = '.';
        }
        String stuffed = stuff(m);
        String expected = new String(m, StandardCharsets.ISO_8859_1).replace("\n.", "\n..") + "\r\n.\r\n";
        assertThat(stuffed).isEqualTo(expected);
    }
}
