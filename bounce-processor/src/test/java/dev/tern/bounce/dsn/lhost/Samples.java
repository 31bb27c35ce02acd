package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.dsn.BounceParser;
import dev.tern.bounce.dsn.BounceReport;
import dev.tern.bounce.dsn.BouncedRecipient;
import dev.tern.bounce.mime.MimeParser;
import dev.tern.bounce.mime.MimePart;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Test helpers: dev-corpus samples and hand-written single-part reports. */
final class Samples {
    private Samples() {}

    /** A sample of the development corpus ({@code maildir/bsd/NAME}), parsed. */
    static BounceReport corpus(String name) {
        String path = "/corpora/bounces/emails/maildir/bsd/" + name;
        try (InputStream in = Samples.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no sample " + path);
            }
            return BounceParser.shipped().parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The only recipient of a report. */
    static BouncedRecipient only(BounceReport r) {
        if (r.recipients().size() != 1) {
            throw new AssertionError("expected one recipient, got " + r.recipients());
        }
        return r.recipients().getFirst();
    }

    /** A hand-written single-part mail (headers, blank line, body; LF line ends). */
    static BounceMail mail(String raw) {
        MimePart root = MimeParser.parse(raw.getBytes(StandardCharsets.UTF_8));
        String text = root.text();
        return new BounceMail(root, text, null, text);
    }

    /** The same, parsed by the whole parser. */
    static BounceReport parse(String raw) {
        return BounceParser.shipped().parse(raw.getBytes(StandardCharsets.UTF_8));
    }
}
