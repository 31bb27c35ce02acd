package dev.tern.core.delivery.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Aggregates reply lines (already split by a line decoder, without CRLF) into {@link SmtpReply}s:
 * "250-..." lines continue a reply, "250 ..." (or a bare "250") ends it. A line that does not start
 * with three digits is a protocol error.
 */
final class ReplyDecoder extends MessageToMessageDecoder<ByteBuf> {
    private final List<String> texts = new ArrayList<>();
    private int code = -1;

    /**
     * The last few one-line replies by their bytes: a server answers MAIL, RCPT and DATA with the
     * same line message after message, so such a line is matched, not decoded and parsed again (a
     * reply is immutable). Bounded: {@value #CACHED} lines of at most {@value #CACHED_MAX} bytes.
     */
    private static final int CACHED = 4, CACHED_MAX = 256;

    private final byte[][] cachedLines = new byte[CACHED][];
    private final SmtpReply[] cachedReplies = new SmtpReply[CACHED];
    private final byte[] scratch = new byte[CACHED_MAX];
    private int nextSlot;

    ReplyDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf line, List<Object> out) {
        int n = line.readableBytes();
        boolean cacheable = code < 0 && n > 4 && n <= CACHED_MAX && line.getByte(line.readerIndex() + 3) == ' ';
        if (cacheable) {
            line.getBytes(line.readerIndex(), scratch, 0, n);
            for (int i = 0; i < CACHED; i++) {
                byte[] c = cachedLines[i];
                if (c != null && Arrays.equals(c, 0, c.length, scratch, 0, n)) {
                    out.add(cachedReplies[i]);
                    return;
                }
            }
        }
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
            SmtpReply reply = SmtpReply.parse(code, texts);
            if (cacheable) {
                cachedLines[nextSlot] = Arrays.copyOf(scratch, n);
                cachedReplies[nextSlot] = reply;
                nextSlot = (nextSlot + 1) % CACHED;
            }
            out.add(reply);
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
