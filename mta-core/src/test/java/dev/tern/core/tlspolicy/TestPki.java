package dev.tern.core.tlspolicy;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A test CA (EC P-256, Bouncy Castle) issuing server certificates for host names. */
final class TestPki {
    /** A certificate with its key and the chain to present. */
    record Leaf(X509Certificate cert, KeyPair keys, X509Certificate[] chain) {
        /** A Netty server context presenting {@link #chain}. */
        SslContext nettyServer() {
            try {
                return SslContextBuilder.forServer(keys.getPrivate(), chain).build();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A JDK server context (for the HTTPS policy server). */
        SSLContext jdkServer() {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("k", keys.getPrivate(), new char[0], chain);
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
                SSLContext c = SSLContext.getInstance("TLS");
                c.init(kmf.getKeyManagers(), null, null);
                return c;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    final X509Certificate caCert;
    private final KeyPair caKeys;

    TestPki(String name) {
        caKeys = keys();
        caCert = sign(
                new X500Name("CN=" + name),
                caKeys,
                new X500Name("CN=" + name),
                caKeys.getPublic(),
                List.of(),
                true,
                Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(365)));
    }

    /** A certificate for {@code names} (subjectAltName dNSNames) valid from yesterday for a year. */
    Leaf issue(String... names) {
        return issue(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(365)), names);
    }

    Leaf issue(Instant notBefore, Instant notAfter, String... names) {
        KeyPair k = keys();
        X509Certificate c = sign(
                new X500Name("CN=" + names[0]),
                k,
                new X500Name(caCert.getSubjectX500Principal().getName()),
                k.getPublic(),
                List.of(names),
                false,
                notBefore,
                notAfter);
        // the key pair here is the leaf's; the signature is the CA's (see sign)
        return new Leaf(c, k, new X509Certificate[] {c, caCert});
    }

    /** The CA certificate as a PEM file (the trust store Tern is configured with). */
    Path writeCaPem(Path file) throws IOException {
        try {
            String pem = "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(caCert.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
            return Files.writeString(file, pem);
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private X509Certificate sign(
            X500Name subject,
            KeyPair subjectKeys,
            X500Name issuer,
            java.security.PublicKey publicKey,
            List<String> names,
            boolean ca,
            Instant notBefore,
            Instant notAfter) {
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    issuer,
                    new BigInteger(64, new SecureRandom()),
                    Date.from(notBefore),
                    Date.from(notAfter),
                    subject,
                    publicKey);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (!names.isEmpty())
                b.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(names.stream()
                                .map(n -> new GeneralName(GeneralName.dNSName, n))
                                .toArray(GeneralName[]::new)));
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keys() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
