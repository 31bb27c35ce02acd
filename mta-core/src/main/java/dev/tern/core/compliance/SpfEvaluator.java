package dev.tern.core.compliance;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.Address;
import org.xbill.DNS.Type;

/**
 * Evaluates SPF (RFC 7208 {@code check_host}) for one address and domain: mechanisms {@code all, a,
 * mx, ip4, ip6, include, exists, ptr} and the {@code redirect} modifier, with the limits of section
 * 4.6.4 (10 DNS-querying terms, 10 MX names per {@code mx}, 2 void lookups). Macros are expanded for
 * {@code %{d} %{i} %{o} %{h} %{s} %{l}} without transformers; anything else is a permerror.
 */
public final class SpfEvaluator {
    /** SPF results (RFC 7208 section 2.6). */
    public enum Result {
        PASS,
        FAIL,
        SOFTFAIL,
        NEUTRAL,
        NONE,
        PERMERROR,
        TEMPERROR
    }

    /** A result with what decided it (e.g. "ip4:192.0.2.0/24 in example.com"). */
    public record Outcome(Result result, String reason) {}

    static final int MAX_LOOKUPS = 10;
    static final int MAX_VOID_LOOKUPS = 2;
    static final int MAX_MX_NAMES = 10;

    private final DnsQuery dns;
    private final String heloName;
    private int lookups;
    private int voidLookups;
    private String included;

    private SpfEvaluator(DnsQuery dns, String heloName) {
        this.dns = dns;
        this.heloName = heloName;
    }

    /** Evaluates the SPF policy of {@code domain} for mail from {@code ip}. */
    public static Outcome check(DnsQuery dns, InetAddress ip, String domain, String heloName) {
        return new SpfEvaluator(dns, heloName).checkHost(ip, domain.toLowerCase(Locale.ROOT), 0);
    }

    private static final class Abort extends RuntimeException {
        final Outcome outcome;

        Abort(Result r, String reason) {
            super(reason, null, false, false);
            this.outcome = new Outcome(r, reason);
        }
    }

    private Outcome checkHost(InetAddress ip, String domain, int depth) {
        try {
            return evaluate(ip, domain, depth);
        } catch (Abort a) {
            return a.outcome;
        }
    }

    private String record(String domain) {
        DnsQuery.Answer a = dns.query(domain, Type.TXT);
        if (a.status() == DnsQuery.Status.ERROR) throw new Abort(Result.TEMPERROR, a.error());
        List<String> spf = dns.txt(a).stream()
                .filter(t -> t.equalsIgnoreCase("v=spf1")
                        || t.toLowerCase(Locale.ROOT).startsWith("v=spf1 "))
                .toList();
        if (spf.size() > 1) throw new Abort(Result.PERMERROR, domain + " publishes " + spf.size() + " SPF records");
        return spf.isEmpty() ? null : spf.get(0);
    }

    private Outcome evaluate(InetAddress ip, String domain, int depth) {
        String rec = record(domain);
        if (rec == null) return new Outcome(Result.NONE, "no SPF record at " + domain);
        String[] terms = rec.trim().split("\\s+");
        String redirect = null;
        for (int i = 1; i < terms.length; i++) {
            String term = terms[i];
            String original = term;
            String lower = term.toLowerCase(Locale.ROOT);
            if (lower.startsWith("redirect=")) {
                if (redirect != null) throw new Abort(Result.PERMERROR, "two redirect= in " + domain);
                redirect = term.substring("redirect=".length());
                continue;
            }
            if (lower.matches("[a-z][a-z0-9_.-]*=.*")) continue; // exp= and unknown modifiers
            Result qualifier = Result.PASS;
            char q = term.charAt(0);
            if (q == '+' || q == '-' || q == '~' || q == '?') {
                qualifier = switch (q) {
                    case '-' -> Result.FAIL;
                    case '~' -> Result.SOFTFAIL;
                    case '?' -> Result.NEUTRAL;
                    default -> Result.PASS;
                };
                term = term.substring(1);
            }
            included = null;
            if (matches(ip, domain, term, depth)) {
                return new Outcome(
                        qualifier, original + " in " + domain + (included == null ? "" : " (" + included + ")"));
            }
        }
        if (redirect != null) {
            countLookup(domain);
            String target = expand(redirect, ip, domain);
            Outcome o = checkHost(ip, target, depth + 1);
            if (o.result() == Result.NONE) {
                return new Outcome(Result.PERMERROR, "redirect=" + target + " has no SPF record");
            }
            return o;
        }
        return new Outcome(Result.NEUTRAL, "no mechanism of " + domain + " matched");
    }

    private boolean matches(InetAddress ip, String domain, String term, int depth) {
        String lower = term.toLowerCase(Locale.ROOT);
        String name = lower.contains(":") ? lower.substring(0, lower.indexOf(':')) : lower.split("/", 2)[0];
        String arg = term.contains(":") ? term.substring(term.indexOf(':') + 1) : "";
        switch (name) {
            case "all":
                return true;
            case "ip4":
            case "ip6":
                return cidrMatch(ip, arg, name.equals("ip4"), domain);
            case "include": {
                countLookup(domain);
                if (arg.isEmpty()) throw new Abort(Result.PERMERROR, "include without a domain in " + domain);
                String target = expand(arg, ip, domain);
                Outcome o = checkHost(ip, target, depth + 1);
                included = o.reason();
                return switch (o.result()) {
                    case PASS -> true;
                    case FAIL, SOFTFAIL, NEUTRAL -> false;
                    case TEMPERROR -> throw new Abort(Result.TEMPERROR, o.reason());
                    case NONE -> throw new Abort(Result.PERMERROR, "include:" + target + " has no SPF record");
                    case PERMERROR -> throw new Abort(Result.PERMERROR, o.reason());
                };
            }
            case "a":
            case "mx": {
                countLookup(domain);
                String spec = term.substring(name.length());
                String host = domain;
                String cidr = "";
                if (spec.startsWith(":")) {
                    int slash = spec.indexOf('/');
                    host = expand(slash < 0 ? spec.substring(1) : spec.substring(1, slash), ip, domain);
                    cidr = slash < 0 ? "" : spec.substring(slash);
                } else {
                    cidr = spec;
                }
                int[] prefix = dualCidr(cidr, domain);
                List<String> hosts = new ArrayList<>();
                if (name.equals("mx")) {
                    DnsQuery.Answer mx = dns.query(host, Type.MX);
                    checkVoid(mx, host);
                    hosts.addAll(dns.mxHosts(mx));
                    if (hosts.size() > MAX_MX_NAMES) {
                        throw new Abort(Result.PERMERROR, host + " has more than " + MAX_MX_NAMES + " MX names");
                    }
                } else {
                    hosts.add(host);
                }
                for (String h : hosts) {
                    int type = ip instanceof Inet4Address ? Type.A : Type.AAAA;
                    DnsQuery.Answer a = dns.query(h, type);
                    if (name.equals("a")) checkVoid(a, h);
                    for (var r : a.records()) {
                        InetAddress addr = r instanceof org.xbill.DNS.ARecord ar
                                ? ar.getAddress()
                                : ((org.xbill.DNS.AAAARecord) r).getAddress();
                        if (prefixMatch(ip, addr, ip instanceof Inet4Address ? prefix[0] : prefix[1])) return true;
                    }
                }
                return false;
            }
            case "exists": {
                countLookup(domain);
                DnsQuery.Answer a = dns.query(expand(arg, ip, domain), Type.A);
                checkVoid(a, arg);
                return a.found();
            }
            case "ptr":
                countLookup(domain);
                return false; // deprecated (RFC 7208 5.5); treated as not matching
            default:
                throw new Abort(Result.PERMERROR, "unknown mechanism '" + term + "' in " + domain);
        }
    }

    private void countLookup(String domain) {
        if (++lookups > MAX_LOOKUPS) {
            throw new Abort(
                    Result.PERMERROR,
                    "more than " + MAX_LOOKUPS + " DNS lookups (RFC 7208 4.6.4) evaluating " + domain);
        }
    }

    private void checkVoid(DnsQuery.Answer a, String name) {
        if (a.status() == DnsQuery.Status.ERROR) throw new Abort(Result.TEMPERROR, a.error());
        if (a.empty() && ++voidLookups > MAX_VOID_LOOKUPS) {
            throw new Abort(Result.PERMERROR, "more than " + MAX_VOID_LOOKUPS + " void lookups (last: " + name + ")");
        }
    }

    private static int[] dualCidr(String cidr, String domain) {
        int v4 = 32, v6 = 128;
        try {
            if (cidr.isEmpty()) return new int[] {v4, v6};
            String[] parts = cidr.split("//", -1);
            if (!parts[0].isEmpty()) v4 = Integer.parseInt(parts[0].substring(1));
            if (parts.length > 1) v6 = Integer.parseInt(parts[1]);
        } catch (RuntimeException e) {
            throw new Abort(Result.PERMERROR, "bad CIDR length '" + cidr + "' in " + domain);
        }
        if (v4 < 0 || v4 > 32 || v6 < 0 || v6 > 128) {
            throw new Abort(Result.PERMERROR, "bad CIDR length '" + cidr + "' in " + domain);
        }
        return new int[] {v4, v6};
    }

    private static boolean cidrMatch(InetAddress ip, String arg, boolean v4, String domain) {
        int slash = arg.indexOf('/');
        String addr = slash < 0 ? arg : arg.substring(0, slash);
        byte[] net = Address.toByteArray(addr, v4 ? Address.IPv4 : Address.IPv6);
        if (net == null) throw new Abort(Result.PERMERROR, "bad address '" + arg + "' in " + domain);
        int prefix;
        try {
            prefix = slash < 0 ? net.length * 8 : Integer.parseInt(arg.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new Abort(Result.PERMERROR, "bad CIDR '" + arg + "' in " + domain);
        }
        if (prefix < 0 || prefix > net.length * 8)
            throw new Abort(Result.PERMERROR, "bad CIDR '" + arg + "' in " + domain);
        return ip.getAddress().length == net.length && prefixMatch(ip.getAddress(), net, prefix);
    }

    static boolean prefixMatch(InetAddress a, InetAddress b, int prefix) {
        return a.getAddress().length == b.getAddress().length && prefixMatch(a.getAddress(), b.getAddress(), prefix);
    }

    private static boolean prefixMatch(byte[] a, byte[] b, int prefix) {
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) return false;
        }
        return true;
    }

    private String expand(String spec, InetAddress ip, String domain) {
        if (spec.indexOf('%') < 0) return spec;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            if (i + 1 >= spec.length()) throw new Abort(Result.PERMERROR, "bad macro in '" + spec + "'");
            char n = spec.charAt(++i);
            switch (n) {
                case '%' -> sb.append('%');
                case '_' -> sb.append(' ');
                case '-' -> sb.append("%20");
                case '{' -> {
                    int end = spec.indexOf('}', i);
                    if (end != i + 2) {
                        throw new Abort(Result.PERMERROR, "macro transformers are not supported: '" + spec + "'");
                    }
                    char letter = Character.toLowerCase(spec.charAt(i + 1));
                    sb.append(
                            switch (letter) {
                                case 'd', 'o' -> domain;
                                case 's' -> "postmaster@" + domain;
                                case 'l' -> "postmaster";
                                case 'h' -> heloName;
                                case 'i' -> ip instanceof Inet4Address ? ip.getHostAddress() : dottedNibbles(ip);
                                default ->
                                    throw new Abort(
                                            Result.PERMERROR, "unsupported macro %{" + letter + "} in " + domain);
                            });
                    i = end;
                }
                default -> throw new Abort(Result.PERMERROR, "bad macro in '" + spec + "'");
            }
        }
        return sb.toString();
    }

    private static String dottedNibbles(InetAddress ip) {
        StringBuilder sb = new StringBuilder();
        for (byte b : ip.getAddress()) {
            if (!sb.isEmpty()) sb.append('.');
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append('.').append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
