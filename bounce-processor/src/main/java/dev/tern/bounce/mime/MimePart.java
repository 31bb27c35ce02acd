package dev.tern.bounce.mime;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One MIME entity as parsed by {@link MimeParser}: headers, the raw body, and its children (the
 * parts of a multipart, or the single enclosed message of a {@code message/*} part).
 */
public final class MimePart {
    private final List<Header> headers;
    private final byte[] body;
    private final List<MimePart> children;
    private final String mediaType;
    private final Map<String, String> params;

    MimePart(List<Header> headers, byte[] body, List<MimePart> children, String mediaType, Map<String, String> params) {
        this.headers = List.copyOf(headers);
        this.body = body;
        this.children = List.copyOf(children);
        this.mediaType = mediaType;
        this.params = Map.copyOf(params);
    }

    /** All header fields in order. */
    public List<Header> headers() {
        return headers;
    }

    /** The first value of header {@code name} (case-insensitive), RFC 2047-decoded, or null. */
    public String header(String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.decodedValue();
            }
        }
        return null;
    }

    /** All values of header {@code name}, decoded. */
    public List<String> headerValues(String name) {
        List<String> out = new ArrayList<>();
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                out.add(h.decodedValue());
            }
        }
        return out;
    }

    /** Lower-case {@code type/subtype}; {@code text/plain} when absent or unparsable. */
    public String mediaType() {
        return mediaType;
    }

    /** A Content-Type parameter (lower-case name), or null. */
    public String param(String name) {
        return params.get(name.toLowerCase(Locale.ROOT));
    }

    /** True for {@code multipart/*}. */
    public boolean isMultipart() {
        return mediaType.startsWith("multipart/");
    }

    /** Children: parts of a multipart, or the enclosed message of {@code message/rfc822}-like parts. */
    public List<MimePart> children() {
        return children;
    }

    /** The body as stored (transfer-encoded, line endings normalized to LF). */
    public byte[] rawBody() {
        return body;
    }

    /** The body with its Content-Transfer-Encoding removed. */
    public byte[] decodedBody() {
        return TransferEncodings.decode(body, header("Content-Transfer-Encoding"));
    }

    /** The decoded body as text in its declared charset (guessed when unknown). */
    public String text() {
        return Charsets.decode(decodedBody(), param("charset"));
    }

    /** This part and all its descendants, depth first, in document order. */
    public List<MimePart> flatten() {
        List<MimePart> out = new ArrayList<>();
        collect(this, out);
        return out;
    }

    /** The first part (depth first, this one included) matching {@code test}, or null. */
    public MimePart find(Predicate<MimePart> test) {
        for (MimePart p : flatten()) {
            if (test.test(p)) {
                return p;
            }
        }
        return null;
    }

    private static void collect(MimePart p, List<MimePart> out) {
        out.add(p);
        for (MimePart c : p.children) {
            collect(c, out);
        }
    }
}
