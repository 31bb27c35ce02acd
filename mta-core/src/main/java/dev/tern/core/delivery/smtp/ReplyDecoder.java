package dev.tern.core.delivery.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Aggregates reply lines (already split by a line decoder, without CRLF) into {@link SmtpReply}s:
 * "250-..." lines continue a reply, "250 ..." (or a bare "250") ends it. A line that does not start
 * with three digits is a protocol error.
 */
final class ReplyDecoder extends MessageToMessageDecoder<ByteBuf> {
    private final List<String> texts = new ArrayList<>();
    private int code = -1;

    ReplyDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf line, List<Object> out) {
        String s = line.toString(StandardCharsets.UTF_8);
        if (s.length() < 3
                || !digit(s.charAt(0))
                || !digit(s.charAt(1))
                || !digit(s.charAt(2))
                || s.charAt(0) < '1'
                || s.charAt(0) > '5'
                || (s.length() > 3 && s.charAt(3) != '-' && s.charAt(3) != ' ')) {
            throw new DecoderException("malformed SMTP reply line: " + abbreviate(s));
        }
        int lineCode = Integer.parseInt(s, 0, 3, 10);
        if (code < 0) code = lineCode; // a continuation with a different code keeps the first one
        texts.add(s.length() > 4 ? s.substring(4) : "");
        boolean last = s.length() == 3 || s.charAt(3) == ' ';
        if (last) {
            out.add(SmtpReply.parse(code, texts));
            texts.clear();
            code = -1;
        } else if (texts.size() > 1000) {
            throw new DecoderException("SMTP reply with more than 1000 lines");
        }
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
