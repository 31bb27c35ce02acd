package dev.tern.bounce.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A tolerant MIME parser for bounce and feedback mail. It never throws on malformed input: missing
 * boundaries, truncated parts, bad encodings and unknown charsets degrade to plain text. Nesting
 * depth and part count are bounded so hostile input terminates quickly.
 */
public final class MimeParser {
    /** Maximum nesting of multipart/message parts. */
    public static final int MAX_DEPTH = 12;
    /** Maximum number of parts in one message. */
    public static final int MAX_PARTS = 400;

    private static final int MAX_HEADERS = 2000;

    private int parts;

    private MimeParser() {}

    /** Parses a whole message (any line endings). */
    public static MimePart parse(byte[] message) {
        return new MimeParser().entity(normalizeLineEndings(message), 0);
    }

    /** Parses a message given as text. */
    public static MimePart parse(String message) {
        return parse(message.getBytes(StandardCharsets.UTF_8));
    }

    /** Converts CRLF and lone CR line endings to LF. */
    public static byte[] normalizeLineEndings(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            byte b = in[i];
            if (b == '\r') {
                out.write('\n');
                if (i + 1 < in.length && in[i + 1] == '\n') {
                    i++;
                }
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    private MimePart entity(byte[] data, int depth) {
        parts++;
        List<Header> headers = new ArrayList<>();
        int bodyStart = readHeaders(data, headers);
        byte[] body = java.util.Arrays.copyOfRange(data, bodyStart, data.length);
        String contentType = null;
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase("Content-Type")) {
                contentType = h.value();
                break;
            }
        }
        Map<String, String> params = new HashMap<>();
        String mediaType = parseContentType(contentType, params);
        List<MimePart> children = new ArrayList<>();
        if (depth < MAX_DEPTH && parts < MAX_PARTS) {
            if (mediaType.startsWith("multipart/")) {
                String boundary = params.get("boundary");
                if (boundary != null && !boundary.isEmpty()) {
                    for (byte[] child : split(body, boundary)) {
                        if (parts >= MAX_PARTS) {
                            break;
                        }
                        children.add(entity(child, depth + 1));
                    }
                }
                if (children.isEmpty()) {
                    mediaType = "text/plain"; // no usable boundary: treat the body as text
                }
            } else if (isEnclosedMessage(mediaType)) {
                byte[] inner = body;
                String cte = header(headers, "Content-Transfer-Encoding");
                if (cte != null && !cte.isBlank()) {
                    inner = normalizeLineEndings(TransferEncodings.decode(body, cte));
                }
                children.add(entity(inner, depth + 1));
            }
        }
        return new MimePart(headers, body, children, mediaType, params);
    }

    private static boolean isEnclosedMessage(String mediaType) {
        return mediaType.equals("message/rfc822")
                || mediaType.equals("message/global")
                || mediaType.equals("text/rfc822-headers")
                || mediaType.equals("message/rfc822-headers")
                || mediaType.equals("message/global-headers")
                || mediaType.equals("message/partial");
    }

    private static String header(List<Header> headers, String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    /** Reads header lines from the start; returns the offset of the body. */
    static int readHeaders(byte[] data, List<Header> out) {
        int pos = 0;
        StringBuilder current = null;
        String currentName = null;
        while (pos < data.length) {
            int end = indexOf(data, (byte) '\n', pos);
            int lineEnd = end < 0 ? data.length : end;
            int next = end < 0 ? data.length : end + 1;
            if (lineEnd == pos) { // empty line: end of headers
                if (currentName != null) {
                    out.add(new Header(currentName, current.toString().trim()));
                }
                return next;
            }
            String line = Charsets.guess(java.util.Arrays.copyOfRange(data, pos, lineEnd));
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && currentName != null) {
                current.append(' ').append(line.trim());
            } else {
                int colon = line.indexOf(':');
                if (colon <= 0 || !isFieldName(line, colon)) {
                    if (line.startsWith("From ") && out.isEmpty() && currentName == null) {
                        pos = next; // mbox separator
                        continue;
                    }
                    if (currentName == null && out.isEmpty()) {
                        return 0; // no header block at all
                    }
                    // not a header line: the header block ended without an empty line
                    if (currentName != null) {
                        out.add(new Header(currentName, current.toString().trim()));
                    }
                    return pos;
                }
                if (currentName != null) {
                    out.add(new Header(currentName, current.toString().trim()));
                }
                if (out.size() >= MAX_HEADERS) {
                    return pos;
                }
                currentName = line.substring(0, colon).trim();
                current = new StringBuilder(line.substring(colon + 1).trim());
            }
            pos = next;
        }
        if (currentName != null) {
            out.add(new Header(currentName, current.toString().trim()));
        }
        return data.length;
    }

    private static boolean isFieldName(String line, int colon) {
        String name = line.substring(0, colon).stripTrailing();
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c > 126) {
                return false;
            }
        }
        return true;
    }

    /** Parses a Content-Type value into a lower-case media type; parameters go into {@code params}. */
    public static String parseContentType(String value, Map<String, String> params) {
        if (value == null || value.isBlank()) {
            return "text/plain";
        }
        String[] pieces = splitParams(value);
        String type = pieces[0].trim().toLowerCase(Locale.ROOT);
        for (int i = 1; i < pieces.length; i++) {
            String p = pieces[i];
            int eq = p.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String v = p.substring(eq + 1).trim();
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                v = v.substring(1, v.length() - 1).replace("\\\"", "\"");
            } else if (v.startsWith("\"")) {
                v = v.substring(1);
            }
            params.putIfAbsent(name, v);
        }
        if (!type.contains("/") || type.contains(" ")) {
            return "text/plain";
        }
        return type;
    }

    private static String[] splitParams(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ';' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out.toArray(String[]::new);
    }

    /** Splits a multipart body at its boundary lines; a missing close delimiter ends at the data's end. */
    static List<byte[]> split(byte[] body, String boundary) {
        byte[] delim = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<byte[]> out = new ArrayList<>();
        int pos = 0;
        int partStart = -1;
        while (pos <= body.length) {
            int end = indexOf(body, (byte) '\n', pos);
            int lineEnd = end < 0 ? body.length : end;
            if (startsWith(body, pos, lineEnd, delim)) {
                boolean close = lineEnd - pos >= delim.length + 2
                        && body[pos + delim.length] == '-'
                        && body[pos + delim.length + 1] == '-';
                if (partStart >= 0) {
                    int partEnd = Math.max(partStart, pos - 1); // drop the LF before the delimiter
                    out.add(java.util.Arrays.copyOfRange(body, partStart, partEnd));
                }
                if (close) {
                    return out;
                }
                partStart = end < 0 ? body.length : end + 1;
            }
            if (end < 0) {
                break;
            }
            pos = end + 1;
        }
        if (partStart >= 0 && partStart < body.length) {
            out.add(java.util.Arrays.copyOfRange(body, partStart, body.length)); // truncated last part
        }
        return out;
    }

    private static boolean startsWith(byte[] data, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[from + i] != prefix[i]) {
                return false;
            }
        }
        // the rest of the line must be "--" and/or whitespace
        for (int i = from + prefix.length; i < to; i++) {
            byte b = data[i];
            if (b != '-' && b != ' ' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    static int indexOf(byte[] data, byte b, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
