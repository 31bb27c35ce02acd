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
