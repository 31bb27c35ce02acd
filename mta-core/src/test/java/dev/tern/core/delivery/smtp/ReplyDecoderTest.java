package dev.tern.core.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyDecoderTest {

    static EmbeddedChannel channel() {
        return new EmbeddedChannel(
                new LineBasedFrameDecoder(SmtpClient.MAX_REPLY_LINE, true, true), new ReplyDecoder());
    }

    static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void repliesSplitAcrossPacketsAndPackedTogether() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("25"));
        ch.writeInbound(bytes("0-mx.test greets you\r\n250-PIPE"));
        assertThat(ch.<SmtpReply>readInbound()).isNull();
        ch.writeInbound(bytes("LINING\r\n250 SIZE 1000\r"));
        assertThat(ch.<SmtpReply>readInbound()).isNull();
        ch.writeInbound(bytes("\n250 2.1.0 Ok\r\n354 go\r\n"));
        SmtpReply ehlo = ch.readInbound();
        assertThat(ehlo.code()).isEqualTo(250);
        assertThat(ehlo.lines()).containsExactly("mx.test greets you", "PIPELINING", "SIZE 1000");
        assertThat(ehlo.enhancedCode()).isEmpty();
        SmtpReply mail = ch.readInbound();
        assertThat(mail.toString()).isEqualTo("250 2.1.0 Ok");
        SmtpReply data = ch.readInbound();
        assertThat(data.code()).isEqualTo(354);
        assertThat(data.positive()).isTrue();
    }

    /** One-line replies seen before are matched by their bytes; the result is the same as decoding them. */
    @Test
    void repeatedOneLineRepliesDecodeTheSame() {
        EmbeddedChannel ch = channel();
        String[] lines = {
            "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data", "250 2.0.0 Ok: queued as A1", "550 5.1.1 <x@y> unknown"
        };
        java.util.Random r = new java.util.Random(3);
        for (int round = 0; round < 200; round++) {
            String line = lines[r.nextInt(lines.length)];
            if (round % 7 == 0) {
                // a multi-line reply whose last line equals a cached one-line reply: not taken from the cache
                ch.writeInbound(bytes("250-first\r\n" + line + "\r\n"));
                SmtpReply multi = ch.readInbound();
                assertThat(multi.code()).isEqualTo(250);
                assertThat(multi.lines()).hasSize(2).first().isEqualTo("first");
                continue;
            }
            ch.writeInbound(bytes(line + "\r\n"));
            SmtpReply got = ch.readInbound();
            assertThat(got).as("round %d", round).isEqualTo(ReplyDecoderTest.decodeFresh(line));
            assertThat(got.toString()).isEqualTo(line);
        }
        assertThatThrownBy(() -> ch.writeInbound(bytes("25x 2.1.0 Ok\r\n"))).isInstanceOf(DecoderException.class);
    }

    private static SmtpReply decodeFresh(String line) {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes(line + "\r\n"));
        return ch.readInbound();
    }

    @Test
    void bareCodeAndLfOnlyLines() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("221\n"));
        SmtpReply r = ch.readInbound();
        assertThat(r.code()).isEqualTo(221);
        assertThat(r.lines()).containsExactly("");
        assertThat(r.toString()).isEqualTo("221");
    }

    @Test
    void enhancedCodeOnlyWhenItsClassMatches() {
        assertThat(SmtpReply.parse(550, java.util.List.of("5.1.1 <x@y> unknown"))
                        .enhancedCode())
                .isEqualTo("5.1.1");
        assertThat(SmtpReply.parse(550, java.util.List.of("2.1.1 odd")).enhancedCode())
                .isEmpty();
        assertThat(SmtpReply.parse(421, java.util.List.of("4.7.0")).lines()).containsExactly("");
        SmtpReply r = SmtpReply.parse(452, java.util.List.of("4.5.3 Too many"));
        assertThat(r.transientFailure()).isTrue();
        assertThat(r.permanentFailure()).isFalse();
        assertThat(r.positive()).isFalse();
        assertThat(r.text()).isEqualTo("Too many");
    }

    @Test
    void malformedLineIsAProtocolError() {
        EmbeddedChannel ch = channel();
        assertThatThrownBy(() -> ch.writeInbound(bytes("HTTP/1.1 400 Bad Request\r\n")))
                .isInstanceOf(DecoderException.class)
                .hasMessageContaining("malformed");
    }
}
