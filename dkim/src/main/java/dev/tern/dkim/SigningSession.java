package dev.tern.dkim;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Signs one message as it streams in, for one or several signers in a single pass: the body is canonicalized
 * and hashed once per body canonicalization in use, never buffered. Feed the raw message (header fields,
 * empty line, body; CRLF line ends, dot-unstuffed) in chunks of any size, then call {@link #finish()}.
 * Not thread-safe; also usable as an {@link OutputStream} (e.g. as a tee while spooling).
 */
public final class SigningSession extends OutputStream {
    private final List<DkimSigner> signers;
    private final Map<Canonicalization, BodyHasher> hashers = new EnumMap<>(Canonicalization.class);
    private final BodyHasher[] distinct;
    private final MessageSplitter splitter;
    private boolean finished;

    SigningSession(List<DkimSigner> signers) {
        this.signers = List.copyOf(signers);
        for (DkimSigner s : this.signers) {
            hashers.computeIfAbsent(s.settings().bodyCanonicalization(), BodyHasher::new);
        }
        this.distinct = hashers.values().toArray(new BodyHasher[0]);
        this.splitter = new MessageSplitter((b, off, len) -> {
            for (BodyHasher h : distinct) {
                h.update(b, off, len);
            }
        });
    }

    /** Feeds the next message bytes. */
    public void update(byte[] b, int off, int len) {
        if (finished) {
            throw new IllegalStateException("session already finished");
        }
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        splitter.update(b, off, len);
    }

    /** Feeds the remaining bytes of a buffer (its position moves to its limit). */
    public void update(ByteBuffer buffer) {
        if (buffer.hasArray()) {
            update(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
            buffer.position(buffer.limit());
        } else {
            byte[] tmp = new byte[Math.min(buffer.remaining(), 16384)];
            while (buffer.hasRemaining()) {
                int n = Math.min(tmp.length, buffer.remaining());
                buffer.get(tmp, 0, n);
                update(tmp, 0, n);
            }
        }
    }

    @Override
    public void write(int b) {
        update(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        update(b, off, len);
    }

    /** Ends the message; returns the {@code DKIM-Signature} fields, one per signer in signer order, each CRLF-terminated. */
    public List<String> finishAll() {
        if (finished) {
            throw new IllegalStateException("session already finished");
        }
        finished = true;
        Map<Canonicalization, byte[]> hashes = new EnumMap<>(Canonicalization.class);
        hashers.forEach((c, h) -> hashes.put(c, h.finish()));
        List<HeaderField> fields = splitter.headers();
        List<String> out = new ArrayList<>(signers.size());
        for (DkimSigner s : signers) {
            Canonicalization bc = s.settings().bodyCanonicalization();
            out.add(s.signatureField(fields, hashes.get(bc), hashers.get(bc).length()));
        }
        return out;
    }

    /**
     * Ends the message's body and returns a signer of header variants: the same body signed under
     * header sections that differ from the one fed by a few fields (e.g. one {@code List-Unsubscribe}
     * per recipient copy). The body is hashed once; each {@link Variants#sign} costs one signature per
     * signer.
     */
    public Variants finishBody() {
        if (finished) {
            throw new IllegalStateException("session already finished");
        }
        finished = true;
        Map<Canonicalization, byte[]> hashes = new EnumMap<>(Canonicalization.class);
        hashers.forEach((c, h) -> hashes.put(c, h.finish()));
        return new Variants(splitter.headers(), hashes);
    }

    /** Signs the body of a finished session under variants of its header section. Thread-safe. */
    public final class Variants {
        private final List<HeaderField> fed;
        private final Map<Canonicalization, byte[]> hashes;

        private Variants(List<HeaderField> fed, Map<Canonicalization, byte[]> hashes) {
            this.fed = List.copyOf(fed);
            this.hashes = hashes;
        }

        /**
         * The {@code DKIM-Signature} fields (concatenated, CRLF-terminated) of the message whose
         * header section is {@code top} (whole CRLF-terminated fields, may be empty) followed by the
         * fed fields whose name {@code omit} does not match (case as in the message).
         */
        public String sign(String top, java.util.function.Predicate<String> omit) {
            List<HeaderField> fields = new ArrayList<>();
            if (!top.isEmpty()) {
                byte[] b = top.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                fields.addAll(HeaderField.parseBlock(b, b.length));
            }
            for (HeaderField f : fed) if (!omit.test(f.name())) fields.add(f);
            StringBuilder out = new StringBuilder();
            for (DkimSigner s : signers) {
                Canonicalization bc = s.settings().bodyCanonicalization();
                out.append(
                        s.signatureField(fields, hashes.get(bc), hashers.get(bc).length()));
            }
            return out.toString();
        }
    }

    /** Ends the message; returns all signature fields concatenated, ready to prepend to the message. */
    public String finish() {
        return String.join("", finishAll());
    }
}
