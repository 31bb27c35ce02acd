package dev.tern.testkit.smtp;

import dev.tern.testkit.smtp.SmtpSink.Disconnect;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The protocol state of one {@link SmtpSink} connection. All methods run on the channel's event loop.
 * Input is accumulated and consumed one command (or body line) at a time, so pipelined commands are
 * answered in order and a delayed reply holds back the commands behind it.
 */
final class SinkSession extends ChannelInboundHandlerAdapter {
    private static final int MAX_COMMAND_LINE = 4096;

    final int id;
    private final SmtpSink sink;
    private ChannelHandlerContext ctx;
    private ByteBuf in;

    /** Absolute byte positions, to tell which socket read delivered a command. */
    private long received;

    private long consumed;
    private long readSequence;
    private final ArrayDeque<long[]> chunks = new ArrayDeque<>();
    private long lastCommandSequence = -1;
    private int commandsInLastSequence;

    private boolean greeted;
    private boolean paused;
    private boolean closing;
    private String mailFrom;
    private final List<String> recipients = new ArrayList<>();
    private boolean dataMode;
    private boolean bodyStarted;
    private boolean atLineStart;
    private long bodySize;
    private ByteArrayOutputStream body;

    private volatile boolean tls;
    private volatile boolean open;
    private volatile int messages;
    private volatile int commands;
    private volatile int maxCommandsPerRead;

    SinkSession(SmtpSink sink, int id) {
        this.sink = sink;
        this.id = id;
    }

    ConnectionStats stats() {
        return new ConnectionStats(id, messages, commands, maxCommandsPerRead, tls, open);
    }

    /** Whether {@link SmtpSink#closed} was called for this session (runs on its event loop only). */
    private boolean counted;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.in = ctx.alloc().heapBuffer();
        open = true;
        sink.opened(this);
        Command connect = new Command(id, Phase.CONNECT, "", "", "", readSequence, false);
        sink.record(connect);
        respond(connect, () -> "220 " + sink.hostname + " ESMTP TernSink", reply -> {});
        ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open = false;
        closing = true;
        if (in != null) {
            in.release();
            in = null;
        }
        countClosed();
    }

    /**
     * Counts this session as ended once: when it answers 221/421 and closes (before the reply is
     * written, so a client that opens its next connection on reading the reply is never seen as one
     * connection too many) or when the channel goes inactive.
     */
    private void countClosed() {
        if (counted) return;
        counted = true;
        sink.closed(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            if (closing || in == null) return;
            received += buf.readableBytes();
            chunks.addLast(new long[] {received, readSequence});
            in.writeBytes(buf);
        } finally {
            buf.release();
        }
        process();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        readSequence++;
        ctx.flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) tls = true;
            else ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        closing = true;
        ctx.close();
    }

    // ---- input ------------------------------------------------------------------------------------

    private void process() {
        while (!paused && !closing && in != null && in.isReadable()) {
            if (dataMode) {
                if (!processBody()) break;
                continue;
            }
            int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
            if (lf < 0) {
                if (in.readableBytes() > MAX_COMMAND_LINE) {
                    consume(in.readableBytes());
                    send("500 5.5.0 Line too long", Phase.OTHER);
                }
                break;
            }
            long lfPosition = consumed + (lf - in.readerIndex());
            int end = lf > in.readerIndex() && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            String line = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.UTF_8);
            consume(lf + 1 - in.readerIndex());
            command(Command.parse(id, line, sequenceAt(lfPosition), tls));
        }
        if (in != null) in.discardSomeReadBytes();
        if (ctx.channel().isActive()) ctx.flush();
    }

    private void consume(int n) {
        in.skipBytes(n);
        consumed += n;
    }

    private long sequenceAt(long position) {
        while (!chunks.isEmpty() && chunks.peekFirst()[0] <= position) chunks.removeFirst();
        return chunks.isEmpty() ? readSequence : chunks.peekFirst()[1];
    }

    /** Consumes body bytes; returns false when it must wait for more input. */
    private boolean processBody() {
        if (!bodyStarted) {
            bodyStarted = true;
            Disconnect how = sink.disconnects.get(Phase.DATA_BODY);
            Duration delay = sink.delays.get(Phase.DATA_BODY);
            if (delay != null) {
                paused = true;
                ctx.channel().config().setAutoRead(false);
                ctx.executor()
                        .schedule(
                                () -> {
                                    paused = false;
                                    ctx.channel().config().setAutoRead(true);
                                    if (how != null) disconnect(how);
                                    else process();
                                },
                                delay.toNanos(),
                                TimeUnit.NANOSECONDS);
                return false;
            }
            if (how != null) {
                disconnect(how);
                return false;
            }
        }
        while (in.isReadable()) {
            int r = in.readerIndex();
            int lf = in.indexOf(r, in.writerIndex(), (byte) '\n');
            if (lf < 0) {
                int n = in.readableBytes();
                if (atLineStart && in.getByte(r) == '.') {
                    if (n < 2 || in.getByte(r + 1) == '\r') return false; // might be the final ".\r\n"
                    consume(1);
                    n--;
                }
                append(in.readerIndex(), n);
                consume(n);
                atLineStart = false;
                return false;
            }
            int len = lf + 1 - r;
            if (atLineStart && in.getByte(r) == '.') {
                boolean last = len == 2 || (len == 3 && in.getByte(r + 1) == '\r');
                if (last) {
                    long position = consumed + len - 1;
                    consume(len);
                    endOfData(sequenceAt(position));
                    return true;
                }
                consume(1);
                len--;
            }
            append(in.readerIndex(), len);
            consume(len);
            atLineStart = true;
        }
        return false;
    }

    private void append(int index, int length) {
        bodySize += length;
        if (sink.maxSize > 0 && bodySize > sink.maxSize) return; // too big: counted, not kept
        if (in.hasArray()) {
            body.write(in.array(), in.arrayOffset() + index, length);
        } else {
            byte[] copy = new byte[length];
            in.getBytes(index, copy);
            body.writeBytes(copy);
        }
    }

    private void endOfData(long sequence) {
        dataMode = false;
        boolean tooBig = sink.maxSize > 0 && bodySize > sink.maxSize;
        ReceivedMessage message = new ReceivedMessage(
                mailFrom == null ? "" : mailFrom, recipients, body.toByteArray(), id, System.nanoTime(), tls);
        body = null;
        Command end = new Command(id, Phase.DATA_END, ".", "", "", sequence, tls);
        sink.record(end);
        commands++;
        var dataScript = sink.dataScript;
        respond(
                end,
                () -> {
                    if (tooBig) return "552 5.3.4 Message size exceeds fixed maximum message size";
                    String scripted = dataScript == null ? null : dataScript.apply(message);
                    return scripted != null ? scripted : "250 2.0.0 Ok: queued as " + sink.nextMessageId();
                },
                reply -> {
                    if (reply.startsWith("2") && !tooBig) {
                        messages++;
                        sink.accepted(message);
                    }
                    resetTransaction();
                });
    }

    // ---- commands ---------------------------------------------------------------------------------

    private void command(Command c) {
        sink.record(c);
        commands++;
        if (c.readSequence() != lastCommandSequence) {
            lastCommandSequence = c.readSequence();
            commandsInLastSequence = 0;
        }
        maxCommandsPerRead = Math.max(maxCommandsPerRead, ++commandsInLastSequence);
        String upper = c.line().toUpperCase(Locale.ROOT);
        switch (c.phase()) {
            case EHLO ->
                respond(
                        c,
                        () -> c.argument().isEmpty() ? "501 5.5.4 Syntax: EHLO hostname" : ehloReply(c),
                        reply -> greetedIf(reply));
            case HELO ->
                respond(
                        c,
                        () -> c.argument().isEmpty() ? "501 5.5.4 Syntax: HELO hostname" : "250 " + sink.hostname,
                        reply -> greetedIf(reply));
            case STARTTLS ->
                respond(
                        c,
                        () -> {
                            if (!sink.startTls) return "502 5.5.1 STARTTLS not available";
                            if (tls) return "503 5.5.1 TLS already active";
                            return "220 2.0.0 Ready to start TLS";
                        },
                        reply -> {
                            if (reply.startsWith("220") && sink.startTls && !tls) startTls();
                        });
            case MAIL ->
                respond(
                        c,
                        () -> {
                            if (!greeted) return "503 5.5.1 Error: send HELO/EHLO first";
                            if (mailFrom != null) return "503 5.5.1 Error: nested MAIL command";
                            if (!upper.startsWith("MAIL FROM:")) return "501 5.5.4 Syntax: MAIL FROM:<address>";
                            if (sink.maxSize > 0 && declaredSize(c) > sink.maxSize) {
                                return "552 5.3.4 Message size exceeds fixed maximum message size";
                            }
                            return "250 2.1.0 Ok";
                        },
                        reply -> {
                            if (reply.startsWith("2")) {
                                mailFrom = c.argument();
                                recipients.clear();
                            }
                        });
            case RCPT ->
                respond(
                        c,
                        () -> {
                            if (mailFrom == null) return "503 5.5.1 Error: need MAIL command";
                            if (!upper.startsWith("RCPT TO:") || c.argument().isEmpty())
                                return "501 5.5.4 Syntax: RCPT TO:<address>";
                            return "250 2.1.5 Ok";
                        },
                        reply -> {
                            if (reply.startsWith("2")) recipients.add(c.argument());
                        });
            case DATA ->
                respond(
                        c,
                        () -> {
                            if (mailFrom == null) return "503 5.5.1 Error: need MAIL command";
                            if (recipients.isEmpty()) return "554 5.5.1 Error: no valid recipients";
                            return "354 End data with <CR><LF>.<CR><LF>";
                        },
                        reply -> {
                            if (reply.startsWith("354")) {
                                dataMode = true;
                                bodyStarted = false;
                                atLineStart = true;
                                bodySize = 0;
                                body = new ByteArrayOutputStream(8192);
                            }
                        });
            case RSET -> respond(c, () -> "250 2.0.0 Ok", reply -> resetTransaction());
            case NOOP -> respond(c, () -> "250 2.0.0 Ok", reply -> {});
            case QUIT -> respond(c, () -> "221 2.0.0 Bye", reply -> {});
            default ->
                respond(
                        c,
                        () -> c.verb().equals("VRFY")
                                ? "252 2.0.0 Cannot VRFY user"
                                : "500 5.5.2 Error: command not recognized",
                        reply -> {});
        }
    }

    private String ehloReply(Command c) {
        List<String> lines = new ArrayList<>();
        lines.add(sink.hostname + " greets " + c.argument());
        if (sink.pipelining) lines.add("PIPELINING");
        if (sink.maxSize >= 0) lines.add(sink.maxSize == 0 ? "SIZE" : "SIZE " + sink.maxSize);
        if (sink.eightBitMime) lines.add("8BITMIME");
        if (sink.smtpUtf8) lines.add("SMTPUTF8");
        if (sink.startTls && !tls) lines.add("STARTTLS");
        lines.add("ENHANCEDSTATUSCODES");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(i == lines.size() - 1 ? "250 " : "250-")
                    .append(lines.get(i))
                    .append('\n');
        }
        return sb.toString();
    }

    private static long declaredSize(Command c) {
        for (String p : c.parameters().split(" ")) {
            if (p.regionMatches(true, 0, "SIZE=", 0, 5)) {
                try {
                    return Long.parseLong(p.substring(5));
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private void greetedIf(String reply) {
        if (reply.startsWith("250")) {
            greeted = true;
            resetTransaction();
        }
    }

    private void resetTransaction() {
        mailFrom = null;
        recipients.clear();
    }

    private void startTls() {
        consume(in.readableBytes()); // RFC 3207: anything pipelined after STARTTLS is discarded
        greeted = false;
        resetTransaction();
        // startTls=true: the 220 reply written next still goes out in clear text
        ctx.pipeline().addFirst("tls", new SslHandler(sink.sslContext().newEngine(ctx.alloc()), true));
    }

    // ---- output -----------------------------------------------------------------------------------

    /**
     * Replies to a command: the disconnect/delay of its phase, then the scripted or default reply.
     * {@code apply} updates the state for the final reply before it is written.
     */
    private void respond(Command c, Supplier<String> defaultReply, Consumer<String> apply) {
        String reply = scripted(c);
        if (reply == null) reply = defaultReply.get();
        Disconnect how = sink.disconnects.get(c.phase());
        Duration delay = sink.delays.get(c.phase());
        if (delay != null) {
            paused = true;
            ctx.flush();
            String r = reply;
            ctx.executor()
                    .schedule(
                            () -> {
                                paused = false;
                                if (!ctx.channel().isActive()) return;
                                if (how != null) {
                                    disconnect(how);
                                    return;
                                }
                                apply.accept(r);
                                send(r, c.phase());
                                process();
                            },
                            delay.toNanos(),
                            TimeUnit.NANOSECONDS);
            return;
        }
        if (how != null) {
            disconnect(how);
            return;
        }
        apply.accept(reply);
        send(reply, c.phase());
    }

    private String scripted(Command c) {
        Script all = sink.commandScript;
        String reply = all == null ? null : all.reply(c);
        if (reply == null) {
            Script one = sink.phaseScripts.get(c.phase());
            reply = one == null ? null : one.reply(c);
        }
        return reply;
    }

    private void send(String reply, Phase phase) {
        if (closing || !ctx.channel().isActive()) return;
        StringBuilder sb = new StringBuilder(reply.length() + 8);
        for (String line : reply.split("\n")) {
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (!line.isEmpty()) sb.append(line).append("\r\n");
        }
        ByteBuf out = Unpooled.copiedBuffer(sb, StandardCharsets.UTF_8);
        if (reply.startsWith("421") || (phase == Phase.QUIT && reply.startsWith("221"))) {
            closing = true;
            countClosed();
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.write(out);
        }
    }

    private void disconnect(Disconnect how) {
        closing = true;
        if (how == Disconnect.RESET) {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.close();
        } else {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
