package dev.tern.core.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.cli.Main;
import dev.tern.dkim.DkimKey;
import dev.tern.testkit.dns.TestDnsServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/** {@code tern check sender} against a real DNS server (testkit) holding a correct zone, then broken ones. */
class CheckSenderCommandTest {
    @TempDir
    Path dir;

    private TestDnsServer dns;
    private Path config;
    private DkimKey key;

    private record Run(int exit, String out, String err) {}

    @BeforeEach
    void zone() throws Exception {
        dns = TestDnsServer.start();
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        String seedText = Base64.getEncoder().encodeToString(seed);
        key = DkimKey.parse(seedText);
        Path keyFile = dir.resolve("example.com.ed25519");
        Files.writeString(keyFile, seedText);
        config = dir.resolve("tern.yaml");
        Files.writeString(config, """
                server:
                  hostname: mx.example.com
                delivery:
                  sources:
                    ip1: { address: 127.0.0.10, ehlo_name: mta1.example.com }
                    ip2: { address: 127.0.0.11, ehlo_name: mta2.example.com }
                  pools:
                    default: { ip1: 1, ip2: 1 }
                dns:
                  servers: ["127.0.0.1:%d"]
                  timeout: 2s
                dkim:
                  domains:
                    example.com:
                      - { selector: s1, key_file: "%s" }
                bounces:
                  domain: bounce.example.com
                  verp: true
                  keys: { a: "0123456789abcdef0123" }
                  current_key: a
                """.formatted(dns.port(), keyFile.toString().replace("\\", "/")));
        dns.txt("example.com", "v=spf1 include:_spf.example.com -all", 300)
                .txt("_spf.example.com", "v=spf1 ip4:127.0.0.8/31 ip4:127.0.0.10 a:out.example.com ~all", 300)
                .a("out.example.com", "127.0.0.11", 300)
                .txt("bounce.example.com", "v=spf1 redirect=example.com", 300)
                .mx("bounce.example.com", 10, "mx.example.com", 300)
                .a("mx.example.com", "127.0.0.1", 300)
                .txt("s1._domainkey.example.com", key.dnsRecord(), 300)
                .txt("_dmarc.example.com", "v=DMARC1; p=quarantine; rua=mailto:d@example.com", 300)
                .ptr("10.0.0.127.in-addr.arpa", "mta1.example.com", 300)
                .a("mta1.example.com", "127.0.0.10", 300)
                .ptr("11.0.0.127.in-addr.arpa", "mta2.example.com", 300)
                .a("mta2.example.com", "127.0.0.11", 300);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private Run check(String... extra) {
        String[] args = new String[4 + extra.length];
        args[0] = "check";
        args[1] = "sender";
        args[2] = "--config=" + config;
        args[3] = "example.com";
        System.arraycopy(extra, 0, args, 4, extra.length);
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.commandLine().execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static String line(Run r, String start) {
        return r.out().lines().filter(l -> l.startsWith(start)).findFirst().orElse("<no line " + start + ">");
    }

    @Test
    void correctZonePassesEveryCheck() {
        Run r = check();
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("all 11 checks pass").doesNotContain("FAIL");
        assertThat(line(r, "SPF example.com ip2 127.0.0.11")).contains("pass", "a:out.example.com in _spf.example.com");
        assertThat(line(r, "SPF bounce.example.com ip1")).contains("pass");
        assertThat(line(r, "DKIM s1._domainkey.example.com")).contains("pass", "matches");
        assertThat(line(r, "FCrDNS ip2")).contains("pass", "PTR mta2.example.com");
        assertThat(line(r, "bounce MX bounce.example.com")).contains("pass");
    }

    @Test
    void missingDmarcIsNamed() {
        dns.remove("_dmarc.example.com");
        Run r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(line(r, "DMARC example.com")).contains("FAIL", "no DMARC record");
        assertThat(r.out()).contains("- DMARC example.com: publish TXT at _dmarc.example.com");
    }

    @Test
    void spfNotCoveringASourceIsNamed() {
        dns.remove("_spf.example.com").txt("_spf.example.com", "v=spf1 ip4:127.0.0.10 -all", 300);
        Run r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(line(r, "SPF example.com ip1 127.0.0.10")).contains("pass");
        assertThat(line(r, "SPF example.com ip2 127.0.0.11")).contains("FAIL", "fail: -all in example.com");
        assertThat(r.out()).contains("add ip4:127.0.0.11 to the SPF record of example.com");
    }

    @Test
    void wrongDkimKeyIsNamed() {
        dns.remove("s1._domainkey.example.com")
                .txt("s1._domainkey.example.com", DkimKey.generateEd25519().dnsRecord(), 300);
        Run r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(line(r, "DKIM s1._domainkey.example.com")).contains("FAIL", "does not match");
        assertThat(r.out())
                .contains("replace the record: publish TXT at s1._domainkey.example.com: \"" + key.dnsRecord());
    }

    @Test
    void missingPtrIsNamed() {
        dns.remove("11.0.0.127.in-addr.arpa");
        Run r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(line(r, "FCrDNS ip2 127.0.0.11")).contains("FAIL", "no PTR record");
        assertThat(line(r, "FCrDNS ip1 127.0.0.10")).contains("pass");
        assertThat(r.out()).contains("PTR 127.0.0.11 -> mta2.example.com");
    }

    @Test
    void ptrNotMatchingEhloOrNotResolvingBackFails() {
        dns.remove("11.0.0.127.in-addr.arpa").ptr("11.0.0.127.in-addr.arpa", "out.example.com", 300);
        dns.remove("10.0.0.127.in-addr.arpa").ptr("10.0.0.127.in-addr.arpa", "nowhere.example.com", 300);
        Run r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(line(r, "FCrDNS ip2")).contains("FAIL", "differs from EHLO name mta2.example.com");
        assertThat(line(r, "FCrDNS ip1")).contains("FAIL", "does not resolve back");
    }

    @Test
    void sourceOptionChecksOnlyThatSource() {
        dns.remove("11.0.0.127.in-addr.arpa");
        Run r = check("--source", "ip1");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).doesNotContain("ip2");
    }

    @Test
    void moreThanTenLookupsIsAPermerror() {
        StringBuilder chain = new StringBuilder("v=spf1");
        for (int i = 0; i < 11; i++) {
            chain.append(" include:n").append(i).append(".example.com");
            dns.txt("n" + i + ".example.com", "v=spf1 -all", 300);
        }
        dns.remove("example.com", Type.TXT).txt("example.com", chain + " ip4:127.0.0.0/24 -all", 300);
        Run r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(line(r, "SPF example.com ip1")).contains("FAIL", "permerror", "more than 10 DNS lookups");
    }

    @Test
    void misalignedBounceDomainFailsAlignment() throws Exception {
        Files.writeString(config, Files.readString(config).replace("bounce.example.com", "bounce.other.net"));
        dns.txt("bounce.other.net", "v=spf1 redirect=example.com", 300)
                .mx("bounce.other.net", 10, "mx.example.com", 300);
        Run r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(line(r, "DMARC return-path alignment bounce.other.net")).contains("FAIL");
        assertThat(line(r, "DMARC DKIM alignment d=example.com")).contains("pass");
    }
}
