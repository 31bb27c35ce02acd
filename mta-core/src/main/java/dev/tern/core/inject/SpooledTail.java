package dev.tern.core.inject;

import dev.tern.queue.BodyFile;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tail of a message too large for memory: written to a spool body file and, when the
 * message is DKIM-signed, through the signing session's body hash, as it arrives. The session
 * was already fed the header section (without control headers).
 */
final class SpooledTail implements DataReader.Tail {
    private static final Logger log = LoggerFactory.getLogger(SpooledTail.class);
    private final BodyFile file;
    private final DkimSigning.Signing signing;

    SpooledTail(BodyFile file, DkimSigning.Signing signing) {
        this.file = file;
        this.signing = signing;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            file.write(b, off, len);
        } catch (IOException e) {
            log.error("writing a message body to the spool failed (451 4.3.0 to the client): {}", e.toString());
            throw e;
        }
        if (signing != null) signing.update(b, off, len);
    }

    BodyFile file() {
        return file;
    }

    long size() {
        return file.size();
    }

    /** The {@code DKIM-Signature} fields of the whole message, or "" when it is not signed. */
    String signatures() {
        return signing == null ? "" : signing.finish();
    }

    /**
     * The signer of the whole message under variants of its header section (fields Tern adds on
     * top, client fields it leaves out), or null when it is not signed.
     */
    DkimSigning.Signing.Variants variants() {
        return signing == null ? null : signing.finishBody();
    }

    @Override
    public void close() {
        file.close();
    }
}
