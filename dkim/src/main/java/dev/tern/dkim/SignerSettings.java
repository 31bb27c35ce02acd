package dev.tern.dkim;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What one DKIM signature looks like: signing domain ({@code d=}), selector ({@code s=}), key, canonicalization
 * and the header fields to sign.
 *
 * <p>The {@code h=} list is built per message: every instance present of each name in {@code headers} is signed
 * (names absent from the message are left out), then each name in {@code overSignedHeaders} is listed once more,
 * which signs "no further instance" so that a header of that name cannot be added later (RFC 6376 section 8.15).
 *
 * @param domain            the {@code d=} signing domain
 * @param selector          the {@code s=} selector
 * @param key               the private key; it determines {@code a=}
 * @param headerCanonicalization {@code c=} header part
 * @param bodyCanonicalization   {@code c=} body part
 * @param headers           header field names to sign; must contain {@code From}
 * @param overSignedHeaders names listed one extra time
 * @param expiry            if non-null, {@code x=} is set to {@code t=} plus this duration
 * @param clock             source of {@code t=}
 * @param bodyLengthTag     whether to emit {@code l=} (off by default: it lets anyone append to the body)
 * @param identity          the {@code i=} agent or user identifier (e.g. {@code @example.com}), or null to omit
 */
public record SignerSettings(
        String domain,
        String selector,
        DkimKey key,
        Canonicalization headerCanonicalization,
        Canonicalization bodyCanonicalization,
        List<String> headers,
        List<String> overSignedHeaders,
        Duration expiry,
        Clock clock,
        boolean bodyLengthTag,
        String identity) {

    /** Default signed headers: the ones that matter to receivers and to one-click unsubscribe (RFC 8058). */
    public static final List<String> DEFAULT_HEADERS = List.of(
            "From",
            "To",
            "Cc",
            "Subject",
            "Date",
            "Message-ID",
            "Reply-To",
            "MIME-Version",
            "Content-Type",
            "Content-Transfer-Encoding",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
            "Feedback-ID");

    /** Default over-signed headers: those a forger would most like to add or replace. */
    public static final List<String> DEFAULT_OVERSIGNED = List.of(
            "From",
            "To",
            "Cc",
            "Subject",
            "Date",
            "Message-ID",
            "Reply-To",
            "List-Unsubscribe",
            "List-Unsubscribe-Post");

    public SignerSettings {
        domain = requireToken(domain, "domain").toLowerCase(Locale.ROOT);
        selector = requireToken(selector, "selector");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(headerCanonicalization, "headerCanonicalization");
        Objects.requireNonNull(bodyCanonicalization, "bodyCanonicalization");
        headers = List.copyOf(headers);
        overSignedHeaders = List.copyOf(overSignedHeaders);
        for (String h : headers) {
            requireToken(h, "header name");
        }
        for (String h : overSignedHeaders) {
            requireToken(h, "header name");
        }
        if (headers.stream().noneMatch(h -> h.equalsIgnoreCase("From"))) {
            throw new IllegalArgumentException("the signed headers must include From (RFC 6376 section 5.4)");
        }
        if (expiry != null && (expiry.isNegative() || expiry.toSeconds() < 1)) {
            throw new IllegalArgumentException("expiry must be at least one second: " + expiry);
        }
        Objects.requireNonNull(clock, "clock");
        if (identity != null) {
            int at = identity.lastIndexOf('@');
            String idDomain = at < 0 ? "" : identity.substring(at + 1).toLowerCase(Locale.ROOT);
            if (at < 0 || !(idDomain.equals(domain) || idDomain.endsWith("." + domain))) {
                throw new IllegalArgumentException(
                        "identity " + identity + " must be in " + domain + " or a subdomain");
            }
        }
    }

    /** Relaxed/relaxed, default headers and over-signing, no {@code x=}, no {@code l=}, no {@code i=}, UTC clock. */
    public static SignerSettings of(String domain, String selector, DkimKey key) {
        return new SignerSettings(
                domain,
                selector,
                key,
                Canonicalization.RELAXED,
                Canonicalization.RELAXED,
                DEFAULT_HEADERS,
                DEFAULT_OVERSIGNED,
                null,
                Clock.systemUTC(),
                false,
                null);
    }

    public SignerSettings withCanonicalization(Canonicalization header, Canonicalization body) {
        return copy(c -> {
            c.headerCanonicalization = header;
            c.bodyCanonicalization = body;
        });
    }

    public SignerSettings withHeaders(List<String> signed, List<String> overSigned) {
        return copy(c -> {
            c.headers = signed;
            c.overSignedHeaders = overSigned;
        });
    }

    public SignerSettings withExpiry(Duration newExpiry) {
        return copy(c -> c.expiry = newExpiry);
    }

    public SignerSettings withClock(Clock newClock) {
        return copy(c -> c.clock = newClock);
    }

    public SignerSettings withBodyLengthTag(boolean enabled) {
        return copy(c -> c.bodyLengthTag = enabled);
    }

    public SignerSettings withIdentity(String newIdentity) {
        return copy(c -> c.identity = newIdentity);
    }

    /** These settings with {@code change} applied (validated again). */
    private SignerSettings copy(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return new SignerSettings(
                c.domain,
                c.selector,
                c.key,
                c.headerCanonicalization,
                c.bodyCanonicalization,
                c.headers,
                c.overSignedHeaders,
                c.expiry,
                c.clock,
                c.bodyLengthTag,
                c.identity);
    }

    /** The fields of settings being copied, for the {@code withX} methods. */
    private static final class Copy {
        String domain;
        String selector;
        DkimKey key;
        Canonicalization headerCanonicalization;
        Canonicalization bodyCanonicalization;
        List<String> headers;
        List<String> overSignedHeaders;
        Duration expiry;
        Clock clock;
        boolean bodyLengthTag;
        String identity;

        Copy(SignerSettings s) {
            domain = s.domain;
            selector = s.selector;
            key = s.key;
            headerCanonicalization = s.headerCanonicalization;
            bodyCanonicalization = s.bodyCanonicalization;
            headers = s.headers;
            overSignedHeaders = s.overSignedHeaders;
            expiry = s.expiry;
            clock = s.clock;
            bodyLengthTag = s.bodyLengthTag;
            identity = s.identity;
        }
    }

    /** The signing algorithm, from the key. */
    public DkimAlgorithm algorithm() {
        return key.algorithm();
    }

    private static String requireToken(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 127 || c == ';' || c == ':') {
                throw new IllegalArgumentException("invalid " + what + ": '" + s + "'");
            }
        }
        return s;
    }
}
