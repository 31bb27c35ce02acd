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
