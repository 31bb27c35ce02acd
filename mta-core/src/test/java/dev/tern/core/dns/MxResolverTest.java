package dev.tern.core.dns;

import static dev.tern.core.dns.DnsFixture.resolve;
import static dev.tern.core.dns.DnsFixture.resolved;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.testkit.dns.TestDnsServer;
import dev.tern.testkit.dns.TestDnsServer.Transport;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.Type;

/** Resolution outcomes against a real DNS server on loopback (UDP and TCP). */
class MxResolverTest {

    private DnsFixture fx;
    private TestDnsServer dns;

    @BeforeEach
    void start() throws Exception {
        fx = new DnsFixture();
        dns = fx.dns;
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private static List<String> names(MxResult.Resolved result) {
        return result.hosts().stream().map(MxHost::name).toList();
    }

    @Test
    void mxHostsComeInPreferenceOrderWithTheirAddressesAndTheNextMxAsFallback() {
        dns.mx("example.com", 20, "mx2.example.com", 300)
                .mx("example.com", 10, "mx1.example.com", 300)
                .mx("example.com", 30, "backup.example.net", 300)
                .a("mx1.example.com", "127.0.0.11", 300)
                .a("mx2.example.com", "127.0.0.12", 300)
                .a("mx2.example.com", "127.0.0.13", 300)
                .aaaa("backup.example.net", "::1", 300);

        MxResult.Resolved result = resolved(fx.resolver(), "Example.COM.");

        assertThat(result.domain()).isEqualTo("example.com");
        assertThat(result.implicit()).isFalse();
        assertThat(names(result)).containsExactly("mx1.example.com", "mx2.example.com", "backup.example.net");
        assertThat(result.hosts()).extracting(MxHost::preference).containsExactly(10, 20, 30);
        MxHost first = result.hosts().get(0);
        assertThat(first.ipv4()).extracting(InetAddress::getHostAddress).containsExactly("127.0.0.11");
        MxHost fallback = result.hosts().get(1);
        assertThat(fallback.addresses())
                .extracting(InetAddress::getHostAddress)
                .containsExactly("127.0.0.12", "127.0.0.13");
        assertThat(result.hosts().get(2).ipv6())
                .extracting(InetAddress::getHostAddress)
                .containsExactly("0:0:0:0:0:0:0:1");
        assertThat(result.site().hosts()).containsExactly("backup.example.net", "mx1.example.com", "mx2.example.com");
        assertThat(result.expires()).isEqualTo(DnsFixture.START.plusSeconds(300));
        assertThat(fx.lookups("ok")).isEqualTo(1);
    }

    @Test
    void equalPreferencesAreShuffledEvenlyAndDeterministicallyWithASeededRandom() {
        dns.mx("spread.example", 10, "a.spread.example", 300)
                .mx("spread.example", 10, "b.spread.example", 300)
                .mx("spread.example", 10, "c.spread.example", 300)
                .mx("spread.example", 20, "z.spread.example", 300);
        dns.a("a.spread.example", "127.0.0.21", 300)
                .a("b.spread.example", "127.0.0.22", 300)
                .a("c.spread.example", "127.0.0.23", 300)
                .a("z.spread.example", "127.0.0.24", 300);
        MxResolver resolver = fx.resolver();
        Map<String, Integer> firsts = new HashMap<>();
        Set<List<String>> orders = new HashSet<>();
        int rounds = 3000;
        for (int i = 0; i < rounds; i++) {
            List<String> order = names(resolved(resolver, "spread.example"));
            assertThat(order.get(3)).isEqualTo("z.spread.example");
            firsts.merge(order.get(0), 1, Integer::sum);
            orders.add(order.subList(0, 3));
        }
        assertThat(orders).hasSize(6);
        assertThat(firsts.keySet())
                .containsExactlyInAnyOrder("a.spread.example", "b.spread.example", "c.spread.example");
        assertThat(firsts.values()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
        // One DNS query per name: the rest came from the cache.
        assertThat(dns.queryCount("spread.example", Type.MX)).isEqualTo(1);

        List<String> again = new ArrayList<>();
        List<String> replay = new ArrayList<>();
        MxResolver first = fx.resolver();
        MxResolver second = fx.resolver();
        for (int i = 0; i < 20; i++) {
            again.add(String.join(" ", names(resolved(first, "spread.example"))));
            replay.add(String.join(" ", names(resolved(second, "spread.example"))));
        }
        assertThat(replay).as("same seed, same order").isEqualTo(again);
    }

    @Test
    void duplicateMxHostKeepsItsLowestPreference() {
        dns.mx("dup.example", 30, "mx.dup.example", 300)
                .mx("dup.example", 10, "mx.dup.example", 300)
                .mx("dup.example", 20, "other.dup.example", 300)
                .a("mx.dup.example", "127.0.0.31", 300)
                .a("other.dup.example", "127.0.0.32", 300);
        MxResult.Resolved result = resolved(fx.resolver(), "dup.example");
        assertThat(names(result)).containsExactly("mx.dup.example", "other.dup.example");
        assertThat(result.hosts().get(0).preference()).isEqualTo(10);
    }

    @Test
    void noMxMeansImplicitMxWithTheDomainsOwnAandAaaa() {
        dns.a("implicit.example", "127.0.0.40", 120).aaaa("implicit.example", "::1", 60);

        MxResult.Resolved result = resolved(fx.resolver(), "implicit.example");

        assertThat(result.implicit()).isTrue();
        assertThat(result.hosts()).singleElement().satisfies(host -> {
            assertThat(host.name()).isEqualTo("implicit.example");
            assertThat(host.preference()).isZero();
            assertThat(host.ipv4()).extracting(InetAddress::getHostAddress).containsExactly("127.0.0.40");
            assertThat(host.ipv6()).extracting(InetAddress::getHostAddress).containsExactly("0:0:0:0:0:0:0:1");
        });
        assertThat(result.site()).isEqualTo(Site.of("implicit.example"));
        assertThat(result.expires()).isEqualTo(DnsFixture.START.plusSeconds(60));
        assertThat(fx.lookups("implicit")).isEqualTo(1);
    }

    @Test
    void implicitMxWithOnlyAnIpv4Address() {
        dns.a("v4only.example", "127.0.0.41", 300);
        MxResult.Resolved result = resolved(fx.resolver(), "v4only.example");
        assertThat(result.hosts().get(0).ipv6()).isEmpty();
        assertThat(result.hosts().get(0).ipv4()).hasSize(1);
    }

    @Test
    void nullMxIsAPermanentFailure5110() {
        dns.nullMx("nomail.example", 3600).a("nomail.example", "127.0.0.50", 3600);

        MxResult result = resolve(fx.resolver(), "nomail.example");

        assertThat(result).isInstanceOfSatisfying(MxResult.PermanentFailure.class, failure -> {
            assertThat(failure.replyCode()).isEqualTo(556);
            assertThat(failure.enhancedCode()).isEqualTo("5.1.10");
            assertThat(failure.reply()).startsWith("556 5.1.10 ").contains("null MX");
        });
        assertThat(dns.queryCount("nomail.example", Type.A))
                .as("no implicit MX for a null MX")
                .isZero();
        assertThat(fx.lookups("null_mx")).isEqualTo(1);
    }

    @Test
    void dotTargetBesideRealMxHostsIsIgnored() {
        dns.mx("mixed.example", 0, ".", 300)
                .mx("mixed.example", 10, "mx.mixed.example", 300)
                .a("mx.mixed.example", "127.0.0.51", 300);
        assertThat(names(resolved(fx.resolver(), "mixed.example"))).containsExactly("mx.mixed.example");
    }

    @Test
    void nxdomainIsAPermanentFailure512() {
        MxResult result = resolve(fx.resolver(), "does-not-exist.example");

        assertThat(result).isInstanceOfSatisfying(MxResult.PermanentFailure.class, failure -> {
            assertThat(failure.replyCode()).isEqualTo(550);
            assertThat(failure.enhancedCode()).isEqualTo("5.1.2");
            assertThat(failure.domain()).isEqualTo("does-not-exist.example");
        });
        assertThat(fx.lookups("nxdomain")).isEqualTo(1);
    }

    @Test
    void servfailIsATemporaryFailure443() {
        dns.mx("broken.example", 10, "mx.broken.example", 300).servfail("broken.example");

        MxResult result = resolve(fx.resolver(), "broken.example");

        assertThat(result).isInstanceOfSatisfying(MxResult.TemporaryFailure.class, failure -> {
            assertThat(failure.replyCode()).isEqualTo(451);
            assertThat(failure.enhancedCode()).isEqualTo("4.4.3");
            assertThat(failure.text()).contains("SERVFAIL");
        });
        assertThat(fx.lookups("servfail")).isEqualTo(1);
    }

    @Test
    void timeoutIsATemporaryFailureAfterEveryAttempt() {
        dns.mx("silent.example", 10, "mx.silent.example", 300).noAnswer("silent.example");
        MxResolver resolver = fx.resolver(fx.settings(List.of(dns.address()), Duration.ofMillis(300), 2, 1000));

        MxResult result = resolve(resolver, "silent.example");

        assertThat(result).isInstanceOfSatisfying(MxResult.TemporaryFailure.class, failure -> {
            assertThat(failure.enhancedCode()).isEqualTo("4.4.3");
            assertThat(failure.text()).contains("timeout");
        });
        assertThat(dns.queryCount("silent.example", Type.MX)).isEqualTo(2);
        assertThat(fx.lookups("timeout")).isEqualTo(1);
    }

    @Test
    void aSilentFirstServerFallsBackToTheSecond() throws Exception {
        try (TestDnsServer silent = TestDnsServer.start()) {
            silent.noAnswer("multi.example").noAnswer("mx.multi.example");
            dns.mx("multi.example", 10, "mx.multi.example", 300).a("mx.multi.example", "127.0.0.60", 300);
            MxResolver resolver =
                    fx.resolver(fx.settings(List.of(silent.address(), dns.address()), Duration.ofMillis(500), 2, 1000));

            assertThat(names(resolved(resolver, "multi.example"))).containsExactly("mx.multi.example");
            assertThat(silent.queryCount("multi.example", Type.MX)).isEqualTo(1);
            assertThat(dns.queryCount("multi.example", Type.MX)).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "server chases CNAMEs: {0}")
    @ValueSource(booleans = {true, false})
    void cnameChainsAreFollowedForTheDomainAndTheMxHost(boolean serverChases) {
        dns.chaseCnames(serverChases)
                .cname("alias.example", "step.example.net", 600)
                .cname("step.example.net", "real.example.org", 120)
                .mx("real.example.org", 10, "mx.real.example.org", 300)
                .cname("mx.real.example.org", "server.hosting.example", 900)
                .a("server.hosting.example", "127.0.0.70", 900);

        MxResult.Resolved result = resolved(fx.resolver(), "alias.example");

        assertThat(result.domain()).isEqualTo("alias.example");
        assertThat(result.hosts()).singleElement().satisfies(host -> {
            assertThat(host.name()).isEqualTo("mx.real.example.org");
            assertThat(host.ipv4()).extracting(InetAddress::getHostAddress).containsExactly("127.0.0.70");
        });
        assertThat(result.expires()).as("smallest TTL along the chain").isEqualTo(DnsFixture.START.plusSeconds(120));
    }

    @ParameterizedTest(name = "server chases CNAMEs: {0}")
    @ValueSource(booleans = {true, false})
    void cnameLoopIsATemporaryFailure(boolean serverChases) {
        dns.chaseCnames(serverChases)
                .cname("loop1.example", "loop2.example", 300)
                .cname("loop2.example", "loop1.example", 300);
        MxResult result = resolve(fx.resolver(), "loop1.example");
        assertThat(result)
                .isInstanceOfSatisfying(
                        MxResult.TemporaryFailure.class,
                        failure -> assertThat(failure.text()).contains("CNAME chain"));
        assertThat(dns.queryCount("loop1.example", Type.MX) + dns.queryCount("loop2.example", Type.MX))
                .isLessThanOrEqualTo(RecordLookup.MAX_CNAME_HOPS + 1);
    }

    @Test
    void ipv6OnlyMxHost() {
        dns.mx("six.example", 10, "mx6.six.example", 300).aaaa("mx6.six.example", "::1", 300);

        MxResult.Resolved result = resolved(fx.resolver(), "six.example");

        MxHost host = result.hosts().get(0);
        assertThat(host.ipv4()).isEmpty();
        assertThat(host.ipv6()).extracting(InetAddress::getHostAddress).containsExactly("0:0:0:0:0:0:0:1");
        assertThat(host.addresses()).extracting(InetAddress::isLoopbackAddress).containsExactly(true);
    }

    @Test
    void mxHostWithoutAddressIsSkipped() {
        dns.mx("skip.example", 10, "gone.skip.example", 300)
                .mx("skip.example", 20, "nodata.skip.example", 300)
                .mx("skip.example", 30, "live.skip.example", 300)
                .txt("nodata.skip.example", "no address here", 300)
                .a("live.skip.example", "127.0.0.80", 300);

        MxResult.Resolved result = resolved(fx.resolver(), "skip.example");

        assertThat(names(result)).containsExactly("live.skip.example");
        assertThat(result.site().hosts())
                .as("the site keeps every MX host")
                .containsExactly("gone.skip.example", "live.skip.example", "nodata.skip.example");
    }

    @Test
    void noMxHostWithAnAddressIsPermanent544() {
        dns.mx("noaddr.example", 10, "gone.noaddr.example", 300);
        assertThat(resolve(fx.resolver(), "noaddr.example"))
                .isInstanceOfSatisfying(
                        MxResult.PermanentFailure.class,
                        failure -> assertThat(failure.enhancedCode()).isEqualTo("5.4.4"));
        assertThat(fx.lookups("no_address")).isEqualTo(1);
    }

    @Test
    void mxHostLookupFailureWithNoOtherHostIsTemporary() {
        dns.mx("flaky.example", 10, "mx.flaky.example", 300)
                .mx("flaky.example", 20, "gone.flaky.example", 300)
                .a("mx.flaky.example", "127.0.0.90", 300)
                .servfail("mx.flaky.example", Type.A)
                .servfail("mx.flaky.example", Type.AAAA);
        assertThat(resolve(fx.resolver(), "flaky.example"))
                .isInstanceOfSatisfying(
                        MxResult.TemporaryFailure.class,
                        failure -> assertThat(failure.enhancedCode()).isEqualTo("4.4.3"));
    }

    @Test
    void mxHostWithIpv4AndFailingIpv6IsStillUsed() {
        dns.mx("half.example", 10, "mx.half.example", 300)
                .a("mx.half.example", "127.0.0.91", 300)
                .servfail("mx.half.example", Type.AAAA);
        MxResult.Resolved result = resolved(fx.resolver(), "half.example");
        assertThat(result.hosts().get(0).ipv4()).hasSize(1);
        assertThat(result.expires())
                .as("re-resolve soon: a failure is cached briefly")
                .isEqualTo(DnsFixture.START.plusSeconds(5));
    }

    @Test
    void domainWithNeitherMxNorAddressIsPermanent512() {
        dns.txt("txtonly.example", "v=spf1 -all", 300);
        assertThat(resolve(fx.resolver(), "txtonly.example"))
                .isInstanceOfSatisfying(MxResult.PermanentFailure.class, failure -> {
                    assertThat(failure.replyCode()).isEqualTo(550);
                    assertThat(failure.enhancedCode()).isEqualTo("5.1.2");
                });
    }

    @Test
    void truncatedUdpAnswerIsRetriedOverTcp() {
        dns.mx("tc.example", 10, "mx.tc.example", 300).truncateUdp("tc.example");
        for (int i = 1; i <= 120; i++) {
            dns.a("mx.tc.example", "127.0.2." + i, 300);
        }

        MxResult.Resolved result = resolved(fx.resolver(), "tc.example");

        assertThat(result.hosts().get(0).ipv4()).hasSize(120);
        assertThat(dns.queryCount("tc.example", Type.MX, Transport.UDP)).isEqualTo(1);
        assertThat(dns.queryCount("tc.example", Type.MX, Transport.TCP)).isEqualTo(1);
        assertThat(dns.queryCount("mx.tc.example", Type.A, Transport.UDP))
                .as("too big for UDP")
                .isEqualTo(1);
        assertThat(dns.queryCount("mx.tc.example", Type.A, Transport.TCP)).isEqualTo(1);
    }

    @Test
    void domainsWithTheSameMxHostsShareASite() {
        dns.mx("one.example", 10, "MX1.Provider.example", 300)
                .mx("one.example", 20, "mx2.provider.example", 300)
                .mx("two.example", 5, "mx2.provider.example.", 300)
                .mx("two.example", 50, "mx1.provider.example", 300)
                .mx("three.example", 10, "mx1.provider.example", 300)
                .a("mx1.provider.example", "127.0.0.101", 300)
                .a("mx2.provider.example", "127.0.0.102", 300);
        MxResolver resolver = fx.resolver();

        Site one = resolved(resolver, "one.example").site();
        Site two = resolved(resolver, "two.example").site();
        Site three = resolved(resolver, "three.example").site();

        assertThat(one).isEqualTo(two).hasSameHashCodeAs(two);
        assertThat(one.name()).isEqualTo("mx1.provider.example,mx2.provider.example");
        assertThat(three).isNotEqualTo(one);
        assertThat(three.name()).isEqualTo("mx1.provider.example");
        assertThat(dns.queryCount("mx1.provider.example", Type.A))
                .as("host addresses shared across domains")
                .isEqualTo(1);
    }

    @Test
    void addressLiteralsResolveToThemselves() {
        MxResolver resolver = fx.resolver();
        MxResult.Resolved v4 = resolved(resolver, "[127.0.0.1]");
        assertThat(v4.hosts().get(0).ipv4())
                .extracting(InetAddress::getHostAddress)
                .containsExactly("127.0.0.1");
        MxResult.Resolved v6 = resolved(resolver, "[IPv6:::1]");
        assertThat(v6.hosts().get(0).ipv6()).hasSize(1);
        assertThat(resolve(resolver, "[not-an-ip]")).isInstanceOf(MxResult.PermanentFailure.class);
        assertThat(dns.totalQueries()).isZero();
    }

    @Test
    void invalidDomainsArePermanentWithoutAQuery() {
        MxResolver resolver = fx.resolver();
        for (String bad : List.of("", " ", "user@example.com", "a b.example", "x".repeat(64) + ".example")) {
            assertThat(resolve(resolver, bad))
                    .as("'%s'", bad)
                    .isInstanceOfSatisfying(
                            MxResult.PermanentFailure.class,
                            failure -> assertThat(failure.enhancedCode()).isEqualTo("5.1.2"));
        }
        assertThat(dns.totalQueries()).isZero();
    }

    @Test
    void internationalizedDomainIsAskedInAscii() {
        dns.a("xn--bcher-kva.example", "127.0.0.110", 300);
        MxResult.Resolved result = resolved(fx.resolver(), "BÜCHER.example");
        assertThat(result.domain()).isEqualTo("xn--bcher-kva.example");
        assertThat(MxResolver.normalize("Bücher.Example.")).isEqualTo("xn--bcher-kva.example");
    }

    @Test
    void withoutConfiguredServersTheSystemResolversAreUsed() {
        MxResolver system = new MxResolver(DnsSettings.defaults(), fx.registry);
        assertThat(system.servers()).isNotEmpty();
    }

    @Test
    void futuresNeverFailEvenWithAnUnreachableServer() throws Exception {
        dns.close();
        MxResolver resolver = fx.resolver();
        MxResult result = resolver.resolve("closed.example").get(5, TimeUnit.SECONDS);
        assertThat(result).isInstanceOf(MxResult.TemporaryFailure.class);
    }
}
