package dev.tern.core.tlspolicy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An MTA-STS policy (RFC 8461 section 3.2) as fetched for a domain.
 *
 * @param domain  the policy domain
 * @param id      the {@code id} of the {@code _mta-sts} TXT record it was fetched for
 * @param mode    enforce, testing or none
 * @param mx      the MX host patterns ({@code mail.example.com}, {@code *.example.com})
 * @param maxAge  seconds the policy may be cached
 * @param fetched when it was fetched
 * @param text    the policy as served (its lines are the TLS-RPT {@code policy-string})
 */
public record StsPolicy(
        String domain, String id, Mode mode, List<String> mx, long maxAge, Instant fetched, String text) {

    /** The policy's mode. */
    public enum Mode {
        ENFORCE,
        TESTING,
        NONE
    }

    /** RFC 8461's upper bound for max_age (about a year). */
    static final long MAX_AGE_LIMIT = 31_557_600;

    public StsPolicy {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(mode, "mode");
        mx = List.copyOf(mx);
    }

    /** When the cached policy stops being usable. */
    public Instant expires() {
        return fetched.plusSeconds(maxAge);
    }

    /** Whether an MX host name matches one of the patterns (a wildcard stands for exactly one left-most label). */
    public boolean matches(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        for (String p : mx) {
            String pat = p.toLowerCase(Locale.ROOT);
            if (pat.startsWith("*.")) {
                int dot = h.indexOf('.');
                if (dot > 0 && h.substring(dot + 1).equals(pat.substring(2))) return true;
            } else if (pat.equals(h)) {
                return true;
            }
        }
        return false;
    }

    /** The policy's lines, for TLS-RPT's {@code policy-string}. */
    public List<String> lines() {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /**
     * Parses a policy body: {@code key: value} lines (CRLF or LF); {@code version: STSv1},
     * {@code mode}, {@code max_age} and (unless mode is none) at least one {@code mx} are required;
     * unknown keys are ignored.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static StsPolicy parse(String domain, String id, String body, Instant fetched) {
        String version = null;
        Mode mode = null;
        Long maxAge = null;
        List<String> mx = new ArrayList<>();
        for (String raw : body.split("\r?\n")) {
            String line = raw.strip();
            if (line.isEmpty()) continue;
            int colon = line.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("policy line without 'key: value': " + abbreviate(line));
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "version" -> version = value;
                case "mode" ->
                    mode = switch (value) {
                        case "enforce" -> Mode.ENFORCE;
                        case "testing" -> Mode.TESTING;
                        case "none" -> Mode.NONE;
                        default -> throw new IllegalArgumentException("unknown mode '" + abbreviate(value) + "'");
                    };
                case "max_age" -> {
                    if (!value.matches("\\d{1,10}"))
                        throw new IllegalArgumentException("bad max_age '" + abbreviate(value) + "'");
                    maxAge = Math.min(Long.parseLong(value), MAX_AGE_LIMIT);
                }
                case "mx" -> {
                    if (!value.matches("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9.\\-]*[A-Za-z0-9])?"))
                        throw new IllegalArgumentException("bad mx pattern '" + abbreviate(value) + "'");
                    mx.add(value.toLowerCase(Locale.ROOT));
                }
                default -> {
                    // extension keys are ignored (RFC 8461 section 3.2)
                }
            }
        }
        if (!"STSv1".equals(version)) throw new IllegalArgumentException("version must be STSv1");
        if (mode == null) throw new IllegalArgumentException("mode is missing");
        if (maxAge == null) throw new IllegalArgumentException("max_age is missing");
        if (mx.isEmpty() && mode != Mode.NONE) throw new IllegalArgumentException("no mx pattern");
        return new StsPolicy(domain, id, mode, mx, maxAge, fetched, body);
    }

    /**
     * The id of an {@code _mta-sts} TXT record set: exactly one record starting {@code v=STSv1;}
     * with a valid {@code id} (RFC 8461 section 3.1), else null.
     */
    public static String discoveryId(List<String> txt) {
        String id = null;
        int found = 0;
        for (String record : txt) {
            String r = record.strip();
            if (!r.startsWith("v=STSv1")) continue;
            found++;
            for (String field : r.split(";")) {
                String f = field.strip();
                if (f.startsWith("id=")) {
                    String v = f.substring(3).strip();
                    if (v.matches("[A-Za-z0-9]{1,32}")) id = v;
                }
            }
        }
        return found == 1 ? id : null;
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
