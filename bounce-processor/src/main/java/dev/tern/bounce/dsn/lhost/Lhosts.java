package dev.tern.bounce.dsn.lhost;

import java.util.List;
import java.util.Optional;

/** The shipped decoders, tried in order; the generic RFC 3464 reading is the fallback. */
public final class Lhosts {
    /** Most recipients one decoder returns (as {@code BounceParser.MAX_RECIPIENTS}). */
    static final int MAX_RECIPIENTS = 256;

    private static final List<Lhost> SHIPPED = List.of(
            // providers first: their reports are recognized by marks an MTA decoder could mistake for its own
            new GmailLhost(),
            new YahooLhost(),
            new ZohoLhost(),
            new ExchangeLhost(),
            new AolLhost(),
            new TrendMicroLhost(),
            new SendmailLhost(),
            new V5SendmailLhost(),
            new EximLhost(),
            new PostfixLhost(),
            new QmailLhost());

    private Lhosts() {}

    /** What a decoder read: its family and the recipients. */
    public record Decoding(String family, List<Decoded> recipients) {}

    /** The decoders, in the order they are tried. */
    public static List<Lhost> shipped() {
        return SHIPPED;
    }

    /** The first decoder that recognizes {@code mail} and reads at least one recipient from it. */
    public static Optional<Decoding> decode(BounceMail mail) {
        return decode(mail, java.util.Set.of());
    }

    /** {@link #decode(BounceMail)} without the decoders of the families in {@code skip}. */
    public static Optional<Decoding> decode(BounceMail mail, java.util.Set<String> skip) {
        for (Lhost l : SHIPPED) {
            if (skip.contains(l.family()) || !l.recognizes(mail)) {
                continue;
            }
            List<Decoded> out = l.decode(mail);
            if (!out.isEmpty()) {
                return Optional.of(new Decoding(
                        l.family(), List.copyOf(out.subList(0, Math.min(out.size(), MAX_RECIPIENTS)))));
            }
        }
        return Optional.empty();
    }
}
