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

    /** Ends the message; returns all signature fields concatenated, ready to prepend to the message. */
    public String finish() {
        return String.join("", finishAll());
    }
}
