package dev.tern.core.inject;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.subethamail.smtp.internal.io.CRLFTerminatedReader;
import org.subethamail.smtp.server.Session;

/**
 * A last line of defence for replies that SubEthaSMTP writes itself, outside any command Tern
 * replaces ("500 Error: command not implemented" for an unknown verb, "501 Input line length is too
 * long!", its timeout and CR/LF errors): every 4xx/5xx reply line without an RFC 2034 enhanced
 * status code gets one ({@code 4.0.0}, {@code 5.5.2} for syntax-class 500-504, else {@code 5.0.0}).
 * Installed on each session's writer (plain, SMTPS, and again after STARTTLS), so it sees
 * plaintext. Tern's own replies already carry codes and pass through unchanged. Below it, a
 * {@link ReplyBatcher} writes the replies to a pipelined group in one write.
 */
final class EnhancedReplies extends FilterOutputStream {
    private static final Pattern HAS_CODE = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}( .*)?", Pattern.DOTALL);
    private static final Field WRITER, INPUT, READER;

    static {
        try {
            WRITER = Session.class.getDeclaredField("writer");
            WRITER.setAccessible(true);
            INPUT = Session.class.getDeclaredField("input");
            INPUT.setAccessible(true);
            READER = Session.class.getDeclaredField("reader");
            READER.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The start of a line not yet ended by LF (a reply written in pieces); usually empty. */
    private byte[] partial = new byte[0];

    private EnhancedReplies(OutputStream out) {
        super(out);
    }

    /**
     * Puts the filter and the {@link ReplyBatcher} under {@code session}'s reply writer, and a
     * {@link SessionInput} under its command reader and raw input (call again after the socket
     * changes, before anything was read from the new one).
     */
    static void install(Session session) {
        try {
            SessionInput input = new SessionInput(session.getSocket().getInputStream());
            INPUT.set(session, input);
            READER.set(session, new CRLFTerminatedReader(input));
            WRITER.set(
                    session,
                    new PrintWriter(new EnhancedReplies(
                            new ReplyBatcher(session, session.getSocket().getOutputStream()))));
        } catch (IOException | IllegalAccessException e) {
            // the connection is already gone: nothing will be written
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /** Passes whole lines on in one write each; only a 4xx/5xx line without an enhanced code is rewritten. */
    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int end = off + len;
        int start = off;
        for (int i = off; i < end; i++) {
            if (b[i] != '\n') continue;
            if (partial.length > 0) {
                byte[] l = Arrays.copyOf(partial, partial.length + i + 1 - start);
                System.arraycopy(b, start, l, partial.length, i + 1 - start);
                partial = new byte[0];
                out.write(fix(l));
            } else if (needsCode(b, start, i + 1)) {
                out.write(fix(Arrays.copyOfRange(b, start, i + 1)));
            } else {
                out.write(b, start, i + 1 - start);
            }
            start = i + 1;
        }
        if (start < end) {
            int had = partial.length;
            partial = Arrays.copyOf(partial, had + end - start);
            System.arraycopy(b, start, partial, had, end - start);
        }
    }

    @Override
    public void flush() throws IOException {
        if (partial.length > 0) {
            out.write(partial); // a partial line: as it is
            partial = new byte[0];
        }
        out.flush();
    }

    /** Whether the line {@code b[from, to)} may need {@link #fix}: a 4xx/5xx reply line. */
    private static boolean needsCode(byte[] b, int from, int to) {
        if (to - from < 4) return false;
        byte c = b[from];
        return (c == '4' || c == '5') && Character.isDigit(b[from + 1]) && Character.isDigit(b[from + 2]);
    }

    /** The reply line (with its CRLF) with an enhanced code inserted where one is missing. */
    static byte[] fix(byte[] l) {
        if (l.length < 4) return l;
        char c = (char) l[0];
        if ((c != '4' && c != '5') || !Character.isDigit(l[1]) || !Character.isDigit(l[2])) return l;
        if (l[3] != ' ' && l[3] != '-' && l[3] != '\r') return l;
        String s = new String(l, StandardCharsets.ISO_8859_1);
        int end = s.endsWith("\r\n") ? s.length() - 2 : s.length();
        String text = end > 4 ? s.substring(4, end) : "";
        if (HAS_CODE.matcher(text).matches()) return l;
        String code = c == '4' ? "4.0.0" : s.startsWith("50") ? "5.5.2" : "5.0.0";
        return (s.substring(0, 3)
                        + (l[3] == '-' ? "-" : " ")
                        + code
                        + (text.isEmpty() ? "" : " " + text)
                        + s.substring(end))
                .getBytes(StandardCharsets.ISO_8859_1);
    }
}
