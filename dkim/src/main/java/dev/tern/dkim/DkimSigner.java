package dev.tern.dkim;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Signs messages with one {@link SignerSettings}. Immutable and thread-safe: create one per configured
 * signature and reuse it. Each message gets its own {@link SigningSession}:
 *
 * <pre>{@code
 * SigningSession session = signer.start();
 * session.update(chunk, 0, n);          // the raw message (headers, empty line, body) in any chunks
 * String dkimHeader = session.finish(); // "DKIM-Signature: ...\r\n", prepend it to the message
 * }</pre>
 */
public final class DkimSigner {
    private static final int LINE_WIDTH = 78;

    private final SignerSettings settings;
    /** The signed names, lower case, each once; then the over-signed ones (computed once, not per message). */
    private final List<String> signedNames;

    private final List<String> overSignedNames;

    public DkimSigner(SignerSettings settings) {
        this.settings = settings;
        List<String> signed = new ArrayList<>();
        for (String name : settings.headers()) {
            String lower = HeaderField.asciiLower(name);
            if (!signed.contains(lower)) signed.add(lower);
        }
        this.signedNames = List.copyOf(signed);
        this.overSignedNames = settings.overSignedHeaders().stream()
                .map(HeaderField::asciiLower)
                .toList();
    }

    public SignerSettings settings() {
        return settings;
    }

    /** Starts signing one message. */
    public SigningSession start() {
        return new SigningSession(List.of(this));
    }

    /** Signs a whole message held in memory; returns the CRLF-terminated {@code DKIM-Signature} field to prepend. */
    public String sign(byte[] message) {
        SigningSession s = start();
        s.update(message, 0, message.length);
        return s.finish();
    }

    /** Builds the signature field for a message with these headers and this canonical body hash and length. */
    String signatureField(List<HeaderField> fields, byte[] bodyHash, long bodyLength) {
        List<String> names = headerList(fields);
        long t = settings.clock().instant().getEpochSecond();

        List<String> atoms = new ArrayList<>();
        atoms.add("v=1;");
        atoms.add("a=" + settings.algorithm().tag() + ";");
        atoms.add("c=" + settings.headerCanonicalization().tag() + "/"
                + settings.bodyCanonicalization().tag() + ";");
        atoms.add("d=" + settings.domain() + ";");
        if (settings.identity() != null) {
            atoms.add("i=" + QuotedPrintable.encode(settings.identity()) + ";");
        }
        atoms.add("q=dns/txt;");
        atoms.add("s=" + settings.selector() + ";");
        atoms.add("t=" + t + ";");
        if (settings.expiry() != null) {
            atoms.add("x=" + (t + settings.expiry().toSeconds()) + ";");
        }
        if (settings.bodyLengthTag()) {
            atoms.add("l=" + bodyLength + ";");
        }
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            boolean last = i == names.size() - 1;
            if (i > 0) {
                atoms.add(":");
            }
            atoms.add((i == 0 ? "h=" : "") + name + (last ? ";" : ""));
        }
        atoms.add("bh=" + Base64.getEncoder().encodeToString(bodyHash) + ";");
        atoms.add("b=");

        StringBuilder field = new StringBuilder(512).append("DKIM-Signature:");
        int lineLen = field.length();
        for (String atom : atoms) {
            if (lineLen + 1 + atom.length() > LINE_WIDTH) {
                field.append("\r\n ");
                lineLen = 1;
            } else {
                field.append(' ');
                lineLen++;
            }
            field.append(atom);
            lineLen += atom.length();
        }

        // the signed data: canonical fields straight into bytes (no String per field), then this field without b=
        ByteSink data = new ByteSink(1024);
        Canonicalization hc = settings.headerCanonicalization();
        for (HeaderField f : HeaderField.select(fields, names)) {
            f.canonicalTo(hc, data);
        }
        HeaderField.canonicalTo(field, hc, data);
        byte[] signature = settings.key().sign(data.array(), 0, data.length());

        String b = Base64.getEncoder().encodeToString(signature);
        int pos = 0;
        while (pos < b.length()) {
            int room = LINE_WIDTH - lineLen;
            if (room < 8) {
                field.append("\r\n ");
                lineLen = 1;
                room = LINE_WIDTH - 1;
            }
            int n = Math.min(room, b.length() - pos);
            field.append(b, pos, pos + n);
            lineLen += n;
            pos += n;
        }
        return field.append("\r\n").toString();
    }

    /** The {@code h=} names for this message: present instances of the signed names, then the over-signed ones. */
    List<String> headerList(List<HeaderField> fields) {
        List<String> names = new ArrayList<>(signedNames.size() + overSignedNames.size());
        for (String lower : signedNames) {
            for (HeaderField f : fields) {
                if (f.hasName(lower)) {
                    names.add(lower);
                }
            }
        }
        names.addAll(overSignedNames);
        return names;
    }
}
