package dev.tern.core.inject;

import org.subethamail.smtp.RejectException;

/**
 * An RFC 5321 mailbox ({@code Local-part "@" ( Domain / address-literal )}, section 4.1.2) with
 * the SMTPUTF8 extensions of RFC 6531 (UTF-8 in atoms, quoted strings and domain labels), and
 * the length limits of section 4.5.3.1: local part 64 octets, domain 255, path 256 (the address
 * plus its angle brackets). Parsing is strict and never throws anything but
 * {@link InvalidAddressException}.
 *
 * @param localPart the local part as sent (dot-string or quoted-string, quotes kept)
 * @param domain    the domain or address literal as sent
 */
record SmtpAddress(String localPart, String domain) {
    static final int MAX_LOCAL_PART = 64;
    static final int MAX_DOMAIN = 255;
    static final int MAX_PATH = 256;

    /** Why a text is not an address: a syntax error, or too long. */
    static final class InvalidAddressException extends Exception {
        private final boolean tooLong;

        InvalidAddressException(String message, boolean tooLong) {
            super(message, null, false, false);
            this.tooLong = tooLong;
        }

        boolean tooLong() {
            return tooLong;
        }
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }

    /** Parses a mailbox written without angle brackets. */
    static SmtpAddress parse(String text) throws InvalidAddressException {
        if (text == null || text.isEmpty()) throw syntax("empty address");
        if (octets(text) + 2 > MAX_PATH)
            throw new InvalidAddressException("path longer than " + MAX_PATH + " octets", true);
        int at = localPartEnd(text);
        if (at >= text.length() || text.charAt(at) != '@') throw syntax("no @domain after the local part");
        String local = text.substring(0, at);
        String domain = text.substring(at + 1);
        if (octets(local) > MAX_LOCAL_PART)
            throw new InvalidAddressException("local part longer than " + MAX_LOCAL_PART + " octets", true);
        if (octets(domain) > MAX_DOMAIN)
            throw new InvalidAddressException("domain longer than " + MAX_DOMAIN + " octets", true);
        if (domain.startsWith("[")) checkAddressLiteral(domain);
        else checkDomain(domain);
        return new SmtpAddress(local, domain);
    }

    /**
     * The recipient of RCPT TO (trimmed), or a 501 5.1.3 (syntax) / 553 5.1.3 (too long) refusal.
     */
    static String checkRecipient(String text) throws RejectException {
        String r = text == null ? "" : text.trim();
        try {
            parse(r);
            return r;
        } catch (InvalidAddressException e) {
            throw refusal(e, "5.1.3 Bad recipient address", r);
        }
    }

    /**
     * The reverse-path of MAIL FROM (trimmed; "" for the null reverse-path {@code <>}), or a
     * 501 5.1.7 (syntax) / 553 5.1.7 (too long) refusal (RFC 3463: X.1.7 is the sender's address).
     */
    static String checkSender(String text) throws RejectException {
        String r = text == null ? "" : text.trim();
        if (r.isEmpty()) return r;
        try {
            parse(r);
            return r;
        } catch (InvalidAddressException e) {
            throw refusal(e, "5.1.7 Bad sender address", r);
        }
    }

    private static RejectException refusal(InvalidAddressException e, String what, String address) {
        String shown = Replies.excerpt(address);
        return new RejectException(
                e.tooLong() ? 553 : 501,
                what + (e.tooLong() ? "" : " syntax") + ": " + Replies.clean(e.getMessage(), 120) + ": <" + shown
                        + ">");
    }

    /** Index just after the local part (dot-string or quoted-string). */
    private static int localPartEnd(String s) throws InvalidAddressException {
        if (s.charAt(0) == '"') {
            int i = 1;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '"') {
                    if (i == 1) throw syntax("empty quoted local part");
                    return i + 1;
                }
                if (c == '\\') {
                    // quoted-pairSMTP = %d92 %d32-126
                    if (i + 1 >= s.length() || s.charAt(i + 1) < 32 || s.charAt(i + 1) > 126)
                        throw syntax("bad quoted pair");
                    i += 2;
                    continue;
                }
                // qtextSMTP = %d32-33 / %d35-91 / %d93-126 / UTF8-non-ascii
                if (c < 32 || c == 127) throw syntax("control character in the local part");
                i++;
            }
            throw syntax("unterminated quoted local part");
        }
        int i = 0;
        boolean atomStart = true;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '@') break;
            if (c == '.') {
                if (atomStart)
                    throw syntax(i == 0 ? "local part starts with a dot" : "two dots in a row in the local part");
                atomStart = true;
            } else if (isAtext(c)) {
                atomStart = false;
            } else {
                throw syntax("character '" + printable(c) + "' not allowed in an unquoted local part");
            }
            i++;
        }
        if (i == 0) throw syntax("empty local part");
        if (atomStart) throw syntax("local part ends with a dot");
        return i;
    }

    /** RFC 5322 atext, plus UTF8-non-ascii (RFC 6531). */
    private static boolean isAtext(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') return true;
        if (c >= 0x80) return !Character.isISOControl(c) && !Character.isWhitespace(c);
        return "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    /** Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str], or a U-label. */
    private static void checkDomain(String d) throws InvalidAddressException {
        if (d.isEmpty()) throw syntax("empty domain");
        int start = 0;
        while (true) {
            int dot = d.indexOf('.', start);
            int end = dot < 0 ? d.length() : dot;
            if (end == start) throw syntax("empty label in the domain");
            if (octets(d.substring(start, end)) > 63)
                throw new InvalidAddressException("domain label longer than 63 octets", true);
            for (int i = start; i < end; i++) {
                char c = d.charAt(i);
                boolean letDig = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
                boolean utf8 = c >= 0x80 && Character.isLetterOrDigit(c)
                        || c >= 0x80 && Character.getType(c) == Character.NON_SPACING_MARK
                        || Character.isSurrogate(c);
                if (!(letDig || utf8 || c == '-'))
                    throw syntax("character '" + printable(c) + "' not allowed in a domain");
                if (c == '-' && (i == start || i == end - 1)) throw syntax("domain label starts or ends with a hyphen");
            }
            if (dot < 0) return;
            start = dot + 1;
        }
    }

    /** address-literal = "[" ( IPv4 / "IPv6:" IPv6 / General-address-literal ) "]" */
    private static void checkAddressLiteral(String d) throws InvalidAddressException {
        if (d.length() < 3 || !d.endsWith("]")) throw syntax("unterminated address literal");
        String inner = d.substring(1, d.length() - 1);
        if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
            String v6 = inner.substring(5);
            if (!v6.matches("[0-9A-Fa-f:.]+") || !v6.contains(":")) throw syntax("bad IPv6 address literal");
            try {
                java.net.InetAddress a = java.net.InetAddress.getByName(v6); // a literal: no DNS lookup
                if (!(a instanceof java.net.Inet6Address)) throw syntax("bad IPv6 address literal");
            } catch (java.net.UnknownHostException e) {
                throw syntax("bad IPv6 address literal");
            }
            return;
        }
        if (inner.matches("[0-9.]+")) {
            String[] parts = inner.split("\\.", -1);
            if (parts.length != 4) throw syntax("bad IPv4 address literal");
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255)
                    throw syntax("bad IPv4 address literal");
            }
            return;
        }
        // General-address-literal = Standardized-tag ":" 1*dcontent; dcontent = %d33-90 / %d94-126
        int colon = inner.indexOf(':');
        if (colon <= 0
                || colon == inner.length() - 1
                || !inner.substring(0, colon).matches("[A-Za-z0-9-]*[A-Za-z0-9]")) {
            throw syntax("bad address literal");
        }
        for (int i = colon + 1; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c < 33 || c > 126 || c >= 91 && c <= 93) throw syntax("bad address literal");
        }
    }

    private static int octets(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    private static String printable(char c) {
        return c < 32 || c == 127 ? String.format("\\x%02x", (int) c) : String.valueOf(c);
    }

    private static InvalidAddressException syntax(String message) {
        return new InvalidAddressException(message, false);
    }
}
