package dev.tern.core.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** The certificate checks of the verify / MTA-STS and DANE policies, on certificates made here. */
class CertificateChecksTest {
    static final KeyPair CA_KEYS = keys();
    static final KeyPair LEAF_KEYS = keys();
    static final X509Certificate CA = cert("CN=Test CA", CA_KEYS, CA_KEYS, List.of(), true, Duration.ofDays(365));
    static final X509Certificate LEAF = cert(
            "CN=mx.example.test",
            LEAF_KEYS,
            CA_KEYS,
            List.of("mx.example.test", "*.pool.example.test"),
            false,
            Duration.ofDays(30));

    @Test
    void dnsIdMatchingAllowsOneWildcardLabelOnly() {
        assertThat(CertificateChecks.matchesHost(LEAF, "mx.example.test")).isTrue();
        assertThat(CertificateChecks.matchesHost(LEAF, "MX.EXAMPLE.TEST.")).isTrue();
        assertThat(CertificateChecks.matchesHost(LEAF, "a.pool.example.test")).isTrue();
        assertThat(CertificateChecks.matchesHost(LEAF, "a.b.pool.example.test")).isFalse();
        assertThat(CertificateChecks.matchesHost(LEAF, "pool.example.test")).isFalse();
        assertThat(CertificateChecks.matchesHost(LEAF, "mx.example.test.evil")).isFalse();
    }

    @Test
    void webPkiNamesTheFailure() throws Exception {
        javax.net.ssl.X509TrustManager trustCa = trusting(CA);
        X509Certificate[] chain = {LEAF, CA};
        assertThat(CertificateChecks.webPki(trustCa, chain, "ECDHE_ECDSA", "mx.example.test"))
                .isNull();
        assertThat(CertificateChecks.webPki(trustCa, chain, "ECDHE_ECDSA", "other.example.test")
                        .result())
                .isEqualTo(TlsResult.CERTIFICATE_HOST_MISMATCH);
        assertThat(CertificateChecks.webPki(
                                trusting(cert("CN=Other", keys(), keys(), List.of(), true, Duration.ofDays(9))),
                                chain,
                                "ECDHE_ECDSA",
                                "mx.example.test")
                        .result())
                .isEqualTo(TlsResult.CERTIFICATE_NOT_TRUSTED);
        X509Certificate expired =
                cert("CN=old", LEAF_KEYS, CA_KEYS, List.of("mx.example.test"), false, Duration.ofDays(-2));
        assertThat(CertificateChecks.webPki(
                                trustCa, new X509Certificate[] {expired, CA}, "ECDHE_ECDSA", "mx.example.test")
                        .result())
                .isEqualTo(TlsResult.CERTIFICATE_EXPIRED);
    }

    @Test
    void daneEeMatchesTheKeyOrCertificateAndIgnoresNameAndIssuer() throws Exception {
        X509Certificate[] chain = {LEAF};
        byte[] spki = LEAF_KEYS.getPublic().getEncoded();
        assertThat(CertificateChecks.dane(
                        List.of(new TlsPolicy.Tlsa(3, 1, 1, sha("SHA-256", spki))), chain, "anything.test"))
                .isNull();
        assertThat(CertificateChecks.dane(List.of(new TlsPolicy.Tlsa(3, 1, 2, sha("SHA-512", spki))), chain, null))
                .isNull();
        assertThat(CertificateChecks.dane(List.of(new TlsPolicy.Tlsa(3, 0, 0, LEAF.getEncoded())), chain, null))
                .isNull();
        assertThat(CertificateChecks.dane(
                        List.of(new TlsPolicy.Tlsa(3, 1, 1, sha("SHA-256", CA.getEncoded()))), chain, null))
                .isNotNull();
    }

    @Test
    void daneTaNeedsTheChainSignedUpToTheAnchorAndTheName() throws Exception {
        X509Certificate[] chain = {LEAF, CA};
        TlsPolicy.Tlsa ta = new TlsPolicy.Tlsa(2, 0, 1, sha("SHA-256", CA.getEncoded()));
        assertThat(CertificateChecks.dane(List.of(ta), chain, "mx.example.test"))
                .isNull();
        assertThat(CertificateChecks.dane(List.of(ta), chain, "other.example.test"))
                .isNotNull();
        // the anchor's public key alone (2 1 0), not sent by the server
        TlsPolicy.Tlsa key = new TlsPolicy.Tlsa(2, 1, 0, CA_KEYS.getPublic().getEncoded());
        assertThat(CertificateChecks.dane(List.of(key), new X509Certificate[] {LEAF}, "mx.example.test"))
                .isNull();
        // a leaf not signed by the anchor
        X509Certificate forged =
                cert("CN=mx.example.test", LEAF_KEYS, keys(), List.of("mx.example.test"), false, Duration.ofDays(5));
        assertThat(CertificateChecks.dane(List.of(ta), new X509Certificate[] {forged, CA}, "mx.example.test"))
                .isNotNull();
        // PKIX usages (0, 1) are unusable for SMTP
        assertThat(new TlsPolicy.Tlsa(1, 0, 1, new byte[32]).usable()).isFalse();
    }

    static byte[] sha(String alg, byte[] data) throws Exception {
        return MessageDigest.getInstance(alg).digest(data);
    }

    static javax.net.ssl.X509TrustManager trusting(X509Certificate ca) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        javax.net.ssl.TrustManagerFactory f = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        f.init(ks);
        return (javax.net.ssl.X509TrustManager) f.getTrustManagers()[0];
    }

    static KeyPair keys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate for {@code subjectKeys} signed with {@code issuerKeys}, valid for {@code validity} from a day ago (negative: expired). */
    static X509Certificate cert(
            String subject,
            KeyPair subjectKeys,
            KeyPair issuerKeys,
            List<String> names,
            boolean ca,
            Duration validity) {
        try {
            Instant from = Instant.now().minus(Duration.ofDays(3));
            Instant to = validity.isNegative()
                    ? Instant.now().plus(validity)
                    : Instant.now().plus(validity);
            X500Name issuer = ca && subjectKeys == issuerKeys ? new X500Name(subject) : new X500Name("CN=Test CA");
            var b = new JcaX509v3CertificateBuilder(
                    issuer,
                    BigInteger.valueOf(System.nanoTime()),
                    Date.from(from),
                    Date.from(to),
                    new X500Name(subject),
                    subjectKeys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (!names.isEmpty())
                b.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(names.stream()
                                .map(n -> new GeneralName(GeneralName.dNSName, n))
                                .toArray(GeneralName[]::new)));
            return new JcaX509CertificateConverter()
                    .getCertificate(
                            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
