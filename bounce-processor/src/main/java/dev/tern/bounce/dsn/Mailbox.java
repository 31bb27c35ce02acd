package dev.tern.bounce.dsn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits an mbox-style file into its messages: a line {@code From SENDER DATE} (the envelope line of
 * the mbox family of formats, RFC 4155) at the start of the file or after a blank line begins a new
 * message. A body line that merely starts with "From " (quoted as {@code >From } by well-behaved
 * writers) does not split, because it is not followed by an asctime-style date.
 */
public final class Mailbox {
    /** Most messages taken from one file; the rest are ignored (bounded work for any input). */
    public static final int MAX_MESSAGES = 1000;

    private static final Pattern ENVELOPE = Pattern.compile(
            "From \\S*(?: \\S+)*? +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? +[A-Z][a-z]{2} +\\d{1,2} +\\d{1,2}:\\d{2}(?::\\d{2})?.*");

    private Mailbox() {}

    /** The messages of {@code data}; a file without envelope lines is one message. */
    public static List<byte[]> split(byte[] data) {
        List<Integer> starts = new ArrayList<>();
        int n = data.length;
        boolean blankBefore = true; // the start of the file counts as after a blank line
        int lineStart = 0;
        while (lineStart < n && starts.size() <= MAX_MESSAGES) {
            int end = lineStart;
            while (end < n && data[end] != '\n' && data[end] != '\r') {
                end++;
            }
            int len = end - lineStart;
            if (blankBefore && len > 5 && startsWithFrom(data, lineStart) && isEnvelope(data, lineStart, end)) {
                starts.add(lineStart);
            }
            blankBefore = len == 0;
            // step over one line terminator: CRLF, LF or CR
            if (end < n && data[end] == '\r' && end + 1 < n && data[end + 1] == '\n') {
                end++;
            }
            lineStart = end + 1;
        }
        if (starts.size() <= 1) {
            return List.of(data);
        }
        List<byte[]> out = new ArrayList<>();
        if (!isBlank(data, 0, starts.getFirst())) {
            out.add(Arrays.copyOfRange(data, 0, starts.getFirst()));
        }
        for (int i = 0; i < starts.size() && out.size() < MAX_MESSAGES; i++) {
            int from = starts.get(i);
            int to = i + 1 < starts.size() ? starts.get(i + 1) : n;
            out.add(Arrays.copyOfRange(data, from, to));
        }
        return out;
    }

    private static boolean startsWithFrom(byte[] d, int i) {
        return d[i] == 'F' && d[i + 1] == 'r' && d[i + 2] == 'o' && d[i + 3] == 'm' && d[i + 4] == ' ';
    }

    private static boolean isEnvelope(byte[] d, int from, int to) {
        int len = Math.min(to - from, 200);
        return ENVELOPE.matcher(new String(d, from, len, java.nio.charset.StandardCharsets.ISO_8859_1))
                .matches();
    }

    private static boolean isBlank(byte[] d, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Character.isWhitespace(d[i])) {
                return false;
            }
        }
        return true;
    }
}
