package dev.tern.core.compliance;

import dev.tern.core.config.TernConfig;
import dev.tern.dkim.DkimKey;
import dev.tern.dkim.DkimKeyException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.Address;
import org.xbill.DNS.Type;

/**
 * Checks a sending domain against what Gmail and Yahoo require of a bulk sender: SPF authorises every
 * egress address, the DKIM keys are published and match the configured private keys, DMARC exists with
 * a valid policy and aligns with DKIM {@code d=} and the return path, each source has forward-confirmed
 * reverse DNS matching its EHLO name, and the bounce domain's MX resolves.
 *
 * <p>The organisational domain used for relaxed alignment is the last two labels (no public-suffix
 * list): {@code mail.example.com} aligns with {@code example.com}.
 */
public final class SenderCheck {
    /** An egress source: name under delivery.sources (or "default"), address, EHLO name. */
    public record Source(String name, String address, String ehloName) {}

    private final TernConfig config;
    private final DnsQuery dns;

    public SenderCheck(TernConfig config, DnsQuery dns) {
        this.config = config;
        this.dns = dns;
    }

    /** The egress sources used by the configured pools, or only {@code only} when not null. */
    public List<Source> sources(String only) {
        TernConfig.Delivery d = config.delivery();
        String defaultEhlo = d.ehloName().isEmpty() ? config.server().hostname() : d.ehloName();
        Set<String> names = new LinkedHashSet<>();
        for (Map<String, Integer> pool : d.pools().values()) names.addAll(pool.keySet());
        if (names.isEmpty()) names.addAll(d.sources().keySet());
        List<Source> out = new ArrayList<>();
        for (String n : names) {
            if (only != null && !only.equals(n)) continue;
            TernConfig.Source s = d.sources().get(n);
            if (s == null) continue;
            out.add(new Source(n, s.address(), s.ehloName().isEmpty() ? defaultEhlo : s.ehloName()));
        }
        return out;
    }

    /** Runs every check for mail with {@code From: ...@domain}; {@code only} limits to one source. */
    public List<CheckResult> run(String domain, String only) {
        String from = domain.toLowerCase(Locale.ROOT);
        List<CheckResult> out = new ArrayList<>();
        List<Source> sources = sources(only);
        if (sources.isEmpty()) {
            out.add(CheckResult.fail(
                    "sources",
                    only != null ? "no source '" + only + "' under delivery.sources" : "no egress sources configured",
                    "list each sending address under delivery.sources (address, ehlo_name) and in delivery.pools"));
        }
        String returnPath = returnPathDomain(from);
        Set<String> spfDomains = new LinkedHashSet<>(List.of(from, returnPath));
        for (String spfDomain : spfDomains) spf(spfDomain, sources, out);
        String dkimDomain = dkim(from, out);
        dmarc(from, dkimDomain, returnPath, out);
        for (Source s : sources) fcrdns(s, out);
        bounceMx(out);
        return out;
    }

    private String returnPathDomain(String from) {
        TernConfig.Bounces b = config.bounces();
        return b.verp() && !b.domain().isEmpty() ? b.domain() : from;
    }

    private void spf(String domain, List<Source> sources, List<CheckResult> out) {
        DnsQuery.Answer txt = dns.query(domain, Type.TXT);
        long records = dns.txt(txt).stream()
                .filter(t -> t.toLowerCase(Locale.ROOT).startsWith("v=spf1"))
                .count();
        if (txt.status() == DnsQuery.Status.ERROR) {
            out.add(CheckResult.fail("SPF " + domain, txt.error(), "make the domain's DNS answer TXT queries"));
            return;
        }
        if (records == 0) {
            out.add(CheckResult.fail(
                    "SPF " + domain,
                    "no SPF record",
                    "publish TXT at " + domain + ": \"v=spf1 " + ipTerms(sources) + " -all\""));
            return;
        }
        for (Source s : sources) {
            InetAddress ip = parse(s.address());
            String check = "SPF " + domain + " " + s.name() + " " + s.address();
            if (ip == null) {
                out.add(CheckResult.fail(
                        check, "not an IP address", "set delivery.sources." + s.name() + ".address to an IP"));
                continue;
            }
            SpfEvaluator.Outcome o = SpfEvaluator.check(dns, ip, domain, s.ehloName());
            String detail = o.result().name().toLowerCase(Locale.ROOT) + ": " + o.reason();
            if (o.result() == SpfEvaluator.Result.PASS) {
                out.add(CheckResult.pass(check, detail));
            } else if (o.result() == SpfEvaluator.Result.PERMERROR) {
                out.add(CheckResult.fail(
                        check,
                        detail,
                        "fix the SPF record of " + domain + " (flatten includes to stay within "
                                + SpfEvaluator.MAX_LOOKUPS + " DNS lookups)"));
            } else {
                out.add(CheckResult.fail(
                        check, detail, "add " + ipTerm(ip) + " to the SPF record of " + domain + " before its all"));
            }
        }
    }

    private static String ipTerms(List<Source> sources) {
        List<String> terms = new ArrayList<>();
        for (Source s : sources) {
            InetAddress ip = parse(s.address());
            if (ip != null) terms.add(ipTerm(ip));
        }
        return String.join(" ", terms);
    }

    private static String ipTerm(InetAddress ip) {
        return (ip.getAddress().length == 4 ? "ip4:" : "ip6:") + ip.getHostAddress();
    }

    /** Checks the keys of the domain that signs mail from {@code from}; returns that signing domain or null. */
    private String dkim(String from, List<CheckResult> out) {
        TernConfig.Dkim d = config.dkim();
        String signing = null;
        for (String cand = from; cand != null; cand = parent(cand)) {
            if (d.domains().containsKey(cand)) {
                signing = cand;
                break;
            }
        }
        if (signing == null && !d.fallbackDomain().isEmpty()) signing = d.fallbackDomain();
        if (signing == null || d.domains().get(signing).isEmpty()) {
            out.add(CheckResult.fail(
                    "DKIM " + from,
                    "no signing key configured: mail from " + from + " goes out unsigned",
                    "add a key under dkim.domains." + from + " and publish its public key"));
            return null;
        }
        for (TernConfig.DkimKeyConfig k : d.domains().get(signing)) {
            String at = k.selector() + "._domainkey." + signing;
            String check = "DKIM " + at;
            DkimKey key;
            try {
                key = DkimKey.load(k.keyFile());
            } catch (DkimKeyException e) {
                out.add(CheckResult.fail(check, e.getMessage(), "fix dkim key_file " + k.keyFile()));
                continue;
            }
            DnsQuery.Answer txt = dns.query(at, Type.TXT);
            List<String> recs =
                    dns.txt(txt).stream().filter(t -> tags(t).containsKey("p")).toList();
            String publish = "publish TXT at " + at + ": \"" + key.dnsRecord() + "\"";
            if (txt.status() == DnsQuery.Status.ERROR) {
                out.add(CheckResult.fail(check, txt.error(), publish));
            } else if (recs.isEmpty()) {
                out.add(CheckResult.fail(check, "no DKIM key record published", publish));
            } else if (recs.size() > 1) {
                out.add(CheckResult.fail(check, recs.size() + " key records (verifiers fail)", publish));
            } else {
                String p = tags(recs.get(0)).get("p").replaceAll("\\s+", "");
                if (p.isEmpty()) {
                    out.add(CheckResult.fail(check, "key is revoked (empty p=)", publish));
                } else if (!p.equals(key.publicKeyBase64())) {
                    out.add(CheckResult.fail(
                            check, "published key does not match " + k.keyFile(), "replace the record: " + publish));
                } else {
                    out.add(CheckResult.pass(check, key.algorithm().tag() + " " + key.bits() + " bits, matches"));
                }
            }
        }
        return signing;
    }

    private void dmarc(String from, String dkimDomain, String returnPath, List<CheckResult> out) {
        String at = "_dmarc." + from;
        DnsQuery.Answer txt = dns.query(at, Type.TXT);
        List<String> recs = dmarcRecords(txt);
        String org = orgDomain(from);
        if (recs.isEmpty() && !org.equals(from) && txt.status() != DnsQuery.Status.ERROR) {
            at = "_dmarc." + org;
            txt = dns.query(at, Type.TXT);
            recs = dmarcRecords(txt);
        }
        String fix = "publish TXT at _dmarc." + org + ": \"v=DMARC1; p=quarantine; rua=mailto:dmarc@" + org + "\"";
        if (txt.status() == DnsQuery.Status.ERROR) {
            out.add(CheckResult.fail("DMARC " + from, txt.error(), fix));
            return;
        }
        if (recs.size() != 1) {
            out.add(CheckResult.fail(
                    "DMARC " + from,
                    recs.isEmpty() ? "no DMARC record" : recs.size() + " DMARC records (invalid)",
                    fix));
            return;
        }
        Map<String, String> tags = tags(recs.get(0));
        String p = tags.getOrDefault("p", "").toLowerCase(Locale.ROOT);
        if (!Set.of("none", "quarantine", "reject").contains(p)) {
            out.add(CheckResult.fail(
                    "DMARC " + from,
                    p.isEmpty() ? "no p= policy at " + at : "invalid policy p=" + p + " at " + at,
                    "set p=none, p=quarantine or p=reject at " + at));
            return;
        }
        out.add(CheckResult.pass("DMARC " + from, "p=" + p + " at " + at));
        boolean strictDkim = "s".equalsIgnoreCase(tags.getOrDefault("adkim", "r"));
        boolean strictSpf = "s".equalsIgnoreCase(tags.getOrDefault("aspf", "r"));
        if (dkimDomain != null) {
            String check = "DMARC DKIM alignment d=" + dkimDomain;
            if (aligned(from, dkimDomain, strictDkim)) {
                out.add(CheckResult.pass(check, (strictDkim ? "strict" : "relaxed") + ", aligned with " + from));
            } else {
                out.add(CheckResult.fail(
                        check,
                        "d=" + dkimDomain + " does not align with From " + from + (strictDkim ? " (adkim=s)" : ""),
                        "add a key under dkim.domains." + from + " (or a domain under " + org + ")"));
            }
        }
        String check = "DMARC return-path alignment " + returnPath;
        if (aligned(from, returnPath, strictSpf)) {
            out.add(CheckResult.pass(check, (strictSpf ? "strict" : "relaxed") + ", aligned with " + from));
        } else {
            out.add(CheckResult.fail(
                    check,
                    "bounces.domain " + returnPath + " does not align with From " + from
                            + (strictSpf ? " (aspf=s)" : ""),
                    "use a bounce domain under " + org + " (bounces.domain, e.g. bounce." + org + ")"));
        }
    }

    private List<String> dmarcRecords(DnsQuery.Answer txt) {
        return dns.txt(txt).stream()
                .filter(t -> t.replace(" ", "").toLowerCase(Locale.ROOT).startsWith("v=dmarc1"))
                .toList();
    }

    private void fcrdns(Source s, List<CheckResult> out) {
        String check = "FCrDNS " + s.name() + " " + s.address();
        InetAddress ip = parse(s.address());
        if (ip == null) return; // reported under SPF
        DnsQuery.Answer ptr = dns.ptr(ip);
        List<String> names = dns.ptrNames(ptr);
        String fix = "ask the address owner for PTR " + s.address() + " -> " + s.ehloName() + ", and publish "
                + (ip.getAddress().length == 4 ? "A" : "AAAA") + " " + s.ehloName() + " -> " + s.address();
        if (names.isEmpty()) {
            out.add(CheckResult.fail(
                    check, ptr.status() == DnsQuery.Status.ERROR ? ptr.error() : "no PTR record", fix));
            return;
        }
        String confirmed = null;
        for (String n : names) {
            List<DnsQuery.Answer> answers = new ArrayList<>();
            for (InetAddress back : dns.addresses(n, answers)) {
                if (back.equals(ip)) confirmed = n;
            }
            if (confirmed != null) break;
        }
        if (confirmed == null) {
            out.add(CheckResult.fail(
                    check,
                    "PTR " + String.join(",", names) + " does not resolve back to " + s.address(),
                    "publish A/AAAA " + names.get(0) + " -> " + s.address()));
        } else if (!confirmed.equalsIgnoreCase(s.ehloName())) {
            out.add(CheckResult.fail(
                    check,
                    "PTR " + confirmed + " differs from EHLO name " + s.ehloName(),
                    "set delivery.sources." + s.name() + ".ehlo_name: " + confirmed + " (or change the PTR)"));
        } else {
            out.add(CheckResult.pass(check, "PTR " + confirmed + " -> " + s.address() + ", matches EHLO"));
        }
    }

    private void bounceMx(List<CheckResult> out) {
        String domain = config.bounces().domain();
        if (domain.isEmpty()) {
            out.add(CheckResult.fail(
                    "bounce MX",
                    "bounces.domain is not set: asynchronous bounces do not come back to Tern",
                    "set bounces.domain (e.g. bounce.<your domain>) with verp: true, and point its MX at Tern"));
            return;
        }
        String check = "bounce MX " + domain;
        DnsQuery.Answer mx = dns.query(domain, Type.MX);
        List<String> hosts = dns.mxHosts(mx).stream().filter(h -> !h.isEmpty()).toList();
        String fix = "publish MX " + domain + " -> " + config.server().hostname()
                + " (a host running Tern's injection listener) with its A record";
        if (hosts.isEmpty()) {
            out.add(CheckResult.fail(check, mx.status() == DnsQuery.Status.ERROR ? mx.error() : "no MX record", fix));
            return;
        }
        List<String> resolving = new ArrayList<>();
        for (String h : hosts) {
            if (!dns.addresses(h, new ArrayList<>()).isEmpty()) resolving.add(h);
        }
        if (resolving.isEmpty()) {
            out.add(CheckResult.fail(check, "MX " + String.join(",", hosts) + " has no A/AAAA record", fix));
        } else {
            out.add(CheckResult.pass(check, "MX " + String.join(",", resolving) + " resolves"));
        }
    }

    static boolean aligned(String from, String other, boolean strict) {
        if (strict) return from.equalsIgnoreCase(other);
        return orgDomain(from).equalsIgnoreCase(orgDomain(other));
    }

    static String orgDomain(String domain) {
        String[] labels = domain.toLowerCase(Locale.ROOT).split("\\.");
        if (labels.length <= 2) return domain.toLowerCase(Locale.ROOT);
        return labels[labels.length - 2] + "." + labels[labels.length - 1];
    }

    private static String parent(String domain) {
        int dot = domain.indexOf('.');
        String p = dot < 0 ? null : domain.substring(dot + 1);
        return p == null || p.indexOf('.') < 0 ? null : p;
    }

    static Map<String, String> tags(String record) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : record.split(";")) {
            int eq = part.indexOf('=');
            if (eq <= 0) continue;
            out.putIfAbsent(
                    part.substring(0, eq).trim().toLowerCase(Locale.ROOT),
                    part.substring(eq + 1).trim());
        }
        return out;
    }

    private static InetAddress parse(String address) {
        try {
            if (Address.isDottedQuad(address)) return Address.getByAddress(address, Address.IPv4);
            if (address.contains(":")) return Address.getByAddress(address, Address.IPv6);
        } catch (UnknownHostException e) {
            return null;
        }
        return null;
    }
}
