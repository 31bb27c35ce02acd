package dev.tern.core.feedback;

import dev.tern.core.config.Cidr;
import dev.tern.core.config.TernConfig;
import dev.tern.dkim.DkimVerifier;
import dev.tern.dkim.KeyLookup;
import dev.tern.dkim.VerificationResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The feedback-loop providers whose ARF reports count as complaints ({@code bounces.fbl_reporters}):
 * a report is theirs when the connecting client's address is in one of their blocks, or when a
 * DKIM signature of the report verifies with {@code d=} equal to or under one of their domains.
 * Anything else is evidence of nothing and is only logged.
 */
public final class FblReporters {
    private final List<TernConfig.FblReporter> reporters;
    private final DkimVerifier dkim;

    /** @param keys DKIM key lookup; null when no reporter is matched by DKIM */
    FblReporters(List<TernConfig.FblReporter> reporters, KeyLookup keys) {
        this.reporters = List.copyOf(reporters);
        boolean needsDkim = reporters.stream().anyMatch(r -> !r.dkimDomains().isEmpty());
        this.dkim = needsDkim && keys != null ? new DkimVerifier(keys) : null;
    }

    /** Reporters from the configuration, with DKIM keys looked up in DNS (the configured servers, else the system's). */
    static FblReporters from(TernConfig config) {
        List<TernConfig.FblReporter> list = config.bounces().fblReporters();
        boolean needsDkim = list.stream().anyMatch(r -> !r.dkimDomains().isEmpty());
        return new FblReporters(list, needsDkim ? dnsKeys(config.dns()) : null);
    }

    /** The name of the provider the report comes from, if it is a configured one. */
    public Optional<String> reporter(String clientAddress, byte[] mail) {
        if (reporters.isEmpty()) return Optional.empty();
        InetAddress client = parse(clientAddress);
        if (client != null) {
            for (TernConfig.FblReporter r : reporters) {
                for (Cidr c : r.ips()) if (c.contains(client)) return Optional.of(r.name());
            }
        }
        if (dkim == null) return Optional.empty();
        List<VerificationResult> results;
        try {
            results = dkim.verify(mail);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        for (VerificationResult v : results) {
            if (v.status() != VerificationResult.Status.PASS || v.domain() == null) continue;
            String d = v.domain().toLowerCase(Locale.ROOT);
            for (TernConfig.FblReporter r : reporters) {
                for (String want : r.dkimDomains()) {
                    if (d.equals(want) || d.endsWith("." + want)) return Optional.of(r.name());
                }
            }
        }
        return Optional.empty();
    }

    private static InetAddress parse(String address) {
        if (address == null || address.isEmpty() || !address.matches("[0-9a-fA-F:.%]+")) return null;
        try {
            return InetAddress.getByName(address); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** TXT lookups of {@code selector._domainkey.domain} over DNS. */
    static KeyLookup dnsKeys(TernConfig.Dns dns) {
        List<InetSocketAddress> servers = dns.servers().isEmpty()
                ? ResolverConfig.getCurrentConfig().servers()
                : dns.servers().stream()
                        .map(h -> new InetSocketAddress(h.host(), h.port()))
                        .toList();
        Duration timeout = dns.timeout();
        return (selector, domain) -> {
            IOException last = new IOException("no DNS server");
            for (InetSocketAddress server : servers) {
                try {
                    SimpleResolver resolver = new SimpleResolver(server);
                    resolver.setTimeout(timeout);
                    Name name = Name.fromString(selector + "._domainkey." + domain + ".");
                    Message response = resolver.send(Message.newQuery(Record.newRecord(name, Type.TXT, DClass.IN)));
                    int rcode = response.getRcode();
                    if (rcode == Rcode.NXDOMAIN) return null;
                    if (rcode != Rcode.NOERROR) {
                        last = new IOException("DNS " + Rcode.string(rcode));
                        continue;
                    }
                    for (Record r : response.getSection(Section.ANSWER)) {
                        if (r instanceof TXTRecord txt) return String.join("", txt.getStrings());
                    }
                    return null;
                } catch (IOException e) {
                    last = e;
                }
            }
            throw last;
        };
    }
}
