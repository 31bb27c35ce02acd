package dev.tern.core.tlspolicy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.TLSARecord;

/**
 * DANE end to end over loopback: the zone {@code dane.test} is signed in the test with dnsjava's
 * DNSSEC signing (an ECDSA P-256 key, which is also the trust anchor Tern is configured with),
 * served by the test DNS server, and validated by Tern with dnsjava's validating resolver.
 */
class DaneDeliveryTest extends TlsPolicyTestBase {
    static final TestPki PKI = new TestPki("Tern DANE CA");
    static final TestPki.Leaf MX_CERT = PKI.issue("mx.dane.test");
    static final TestPki.Leaf OTHER = PKI.issue("mx.dane.test");
    static final Name ZONE = Name.fromConstantString("dane.test.");
    static final Name TLSA_NAME = Name.fromConstantString("_25._tcp.mx.dane.test.");

    KeyPair zoneKeys;
    DNSKEYRecord dnskey;

    @BeforeEach
    void start() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        zoneKeys = gen.generateKeyPair();
        dnskey = new DNSKEYRecord(
                ZONE,
                DClass.IN,
                300,
                257,
                DNSKEYRecord.Protocol.DNSSEC,
                DNSSEC.Algorithm.ECDSAP256SHA256,
                zoneKeys.getPublic());
        dns.add(dnskey).add(sign(dnskey));
        dns.mx("dane.test", 10, "mx.dane.test", 300).a("mx.dane.test", "127.0.0.1", 300);
    }

    Record sign(Record r) throws Exception {
        return DNSSEC.sign(
                new RRset(r),
                dnskey,
                zoneKeys.getPrivate(),
                clock.instant().minus(Duration.ofDays(1)),
                clock.instant().plus(Duration.ofDays(30)));
    }

    static TLSARecord tlsa(int usage, int selector, int matching, X509Certificate cert) throws Exception {
        byte[] selected =
                selector == 0 ? cert.getEncoded() : cert.getPublicKey().getEncoded();
        byte[] data = switch (matching) {
            case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
            case 2 -> MessageDigest.getInstance("SHA-512").digest(selected);
            default -> selected;
        };
        return new TLSARecord(TLSA_NAME, DClass.IN, 300, usage, selector, matching, data);
    }

    /** Publishes a signed TLSA record set of one record. */
    void publish(TLSARecord t) throws Exception {
        dns.add(t).add(sign(t));
    }

    TernServer tern(int smtpPort) throws Exception {
        return tern(
                smtpPort,
                "validation: validate, trust_anchors: \"%s\""
                        .formatted(Files.writeString(dir.resolve("anchors.txt"), dnskey.toString() + "\n")));
    }

    TernServer tern(int smtpPort, String validation) throws Exception {
        return TlsFixture.tern(dir, clock, dns.port(), smtpPort, """
                tls:
                  mta_sts: { enabled: false, cache_file: "%s" }
                  dane: { %s, timeout: 3s }
                  report: { directory: "%s" }
                """.formatted(
                        dir.resolve("sts.json"), validation, dir.resolve("tls-rpt")));
    }

    JsonNode failureDetail(TernServer tern) {
        return tern.tlsPolicies()
                .reports()
                .report("dane.test", LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), "t")
                .path("policies")
                .get(0)
                .path("failure-details")
                .get(0);
    }

    @Test
    void daneEeMatchingTheServersKeyDelivers() throws Exception {
        publish(tlsa(3, 1, 1, MX_CERT.cert()));
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                TernServer tern = tern(sink.port())) {
            String id = TlsFixture.store(tern.spool(), "alice@dane.test", clock.millis());
            tern.delivery().wake();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            assertThat(sink.messages().getFirst().tls()).isTrue();
            JsonNode ev = TlsFixture.outcome(dir, id);
            assertThat(ev.path("type").asText()).isEqualTo("delivery");
            assertThat(ev.path("tls_policy").asText()).isEqualTo("dane");
            JsonNode policy = tern.tlsPolicies()
                    .reports()
                    .report("dane.test", LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), "t")
                    .path("policies")
                    .get(0);
            assertThat(policy.path("policy").path("policy-type").asText()).isEqualTo("tlsa");
            assertThat(policy.path("summary")
                            .path("total-successful-session-count")
                            .asLong())
                    .isEqualTo(1);
        }
    }

    @Test
    void daneTaWithSha512OfTheIssuingCaDelivers() throws Exception {
        publish(tlsa(2, 0, 2, PKI.caCert));
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                TernServer tern = tern(sink.port())) {
            String id = TlsFixture.store(tern.spool(), "bob@dane.test", clock.millis());
            tern.delivery().wake();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            assertThat(TlsFixture.outcome(dir, id).path("tls_policy").asText()).isEqualTo("dane");
        }
    }

    @Test
    void aTlsaMismatchDefersAndNeverSendsInClearText() throws Exception {
        publish(tlsa(3, 0, 1, OTHER.cert())); // the full certificate of another key
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                TernServer tern = tern(sink.port())) {
            String id = TlsFixture.store(tern.spool(), "carol@dane.test", clock.millis());
            tern.delivery().wake();
            JsonNode ev = TlsFixture.outcome(dir, id);
            assertThat(ev.path("type").asText()).isEqualTo("transient_failure");
            assertThat(ev.path("reply").asText())
                    .startsWith("451 4.7.5")
                    .contains("no TLSA record of mx.dane.test matches");
            assertThat(sink.messageCount()).isZero();
            assertThat(sink.commands()).noneMatch(c -> c.phase() == Phase.MAIL);
            assertThat(failureDetail(tern).path("result-type").asText()).isEqualTo("validation-failure");
        }
    }

    @Test
    void bogusDnssecDefersWithoutConnecting() throws Exception {
        // signed for one key, then the record is swapped: the signature no longer matches
        TLSARecord good = tlsa(3, 1, 1, MX_CERT.cert());
        Record sig = sign(good);
        dns.add(tlsa(3, 1, 1, OTHER.cert())).add(sig);
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                TernServer tern = tern(sink.port())) {
            String id = TlsFixture.store(tern.spool(), "dave@dane.test", clock.millis());
            tern.delivery().wake();
            JsonNode ev = TlsFixture.outcome(dir, id);
            assertThat(ev.path("type").asText()).isEqualTo("transient_failure");
            assertThat(ev.path("reply").asText()).startsWith("451 4.7.5").contains("DNSSEC");
            assertThat(sink.connectionsAccepted()).isZero();
            assertThat(failureDetail(tern).path("result-type").asText()).isEqualTo("dnssec-invalid");
        }
    }

    @Test
    void anUnsignedMxHostGetsTheConfiguredPolicy() throws Exception {
        // no TLSA at all: DANE does not apply, opportunistic TLS delivers
        dns.mx("plain.test", 10, "mx.plain.test", 300).a("mx.plain.test", "127.0.0.1", 300);
        try (SmtpSink sink = SmtpSink.builder()
                        .hostname("mx.plain.test")
                        .startTls(true)
                        .start();
                TernServer tern = tern(sink.port())) {
            String id = TlsFixture.store(tern.spool(), "erin@plain.test", clock.millis());
            tern.delivery().wake();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            assertThat(TlsFixture.outcome(dir, id).path("tls_policy").asText()).isEqualTo("opportunistic");
        }
    }

    @Test
    void withAdBitValidationTheResolversAuthenticatedAnswerDecides() throws Exception {
        // no signatures: the (test) resolver vouches with the AD bit, as a local validating Unbound would
        dns.mx("ad.test", 10, "mx.ad.test", 300).a("mx.ad.test", "127.0.0.1", 300);
        dns.add(new TLSARecord(
                        Name.fromConstantString("_25._tcp.mx.ad.test."),
                        DClass.IN,
                        300,
                        3,
                        1,
                        1,
                        MessageDigest.getInstance("SHA-256")
                                .digest(OTHER.cert().getPublicKey().getEncoded())))
                .authenticated("_25._tcp.mx.ad.test");
        // the same mismatching record without AD: insecure, ignored
        dns.mx("noad.test", 10, "mx.noad.test", 300).a("mx.noad.test", "127.0.0.1", 300);
        dns.add(new TLSARecord(
                Name.fromConstantString("_25._tcp.mx.noad.test."),
                DClass.IN,
                300,
                3,
                1,
                1,
                MessageDigest.getInstance("SHA-256")
                        .digest(OTHER.cert().getPublicKey().getEncoded())));
        // SERVFAIL from a validating resolver: bogus
        dns.mx("bogus.test", 10, "mx.bogus.test", 300).a("mx.bogus.test", "127.0.0.1", 300);
        dns.servfail("_25._tcp.mx.bogus.test");
        try (SmtpSink sink = SmtpSink.builder().tls(MX_CERT.nettyServer()).start();
                TernServer tern = tern(sink.port(), "validation: ad_bit")) {
            String ad = TlsFixture.store(tern.spool(), "a@ad.test", clock.millis());
            String noad = TlsFixture.store(tern.spool(), "b@noad.test", clock.millis());
            String bogus = TlsFixture.store(tern.spool(), "c@bogus.test", clock.millis());
            tern.delivery().wake();
            assertThat(TlsFixture.outcome(dir, ad).path("reply").asText())
                    .startsWith("451 4.7.5")
                    .contains("no TLSA record of mx.ad.test");
            assertThat(TlsFixture.outcome(dir, noad).path("tls_policy").asText())
                    .isEqualTo("opportunistic");
            assertThat(TlsFixture.outcome(dir, bogus).path("reply").asText())
                    .startsWith("451 4.7.5")
                    .contains("DNSSEC");
            assertThat(sink.messages())
                    .singleElement()
                    .satisfies(m -> assertThat(m.recipients()).containsExactly("b@noad.test"));
        }
    }
}
