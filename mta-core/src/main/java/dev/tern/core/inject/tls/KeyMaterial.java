package dev.tern.core.inject.tls;

import dev.tern.core.inject.tls.TlsFileException.Part;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * A server certificate chain and its private key, read from PEM files: the certificate file
 * holds the server certificate first, then any intermediates; the key file an unencrypted
 * PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}) key.
 */
public record KeyMaterial(List<X509Certificate> chain, PrivateKey key) {

    public KeyMaterial {
        chain = List.copyOf(chain);
    }

    /**
     * Reads and checks both files (the key must belong to the first certificate).
     *
     * @throws TlsFileException naming the file that is missing, unreadable or wrong
     */
    public static KeyMaterial read(Path certificate, Path privateKey) {
        List<X509Certificate> chain = readChain(certificate);
        PrivateKey key = readKey(privateKey);
        if (!matches(key, chain.get(0))) {
            throw new TlsFileException(
                    Part.PRIVATE_KEY, privateKey + ": this key does not belong to the certificate in " + certificate);
        }
        return new KeyMaterial(chain, key);
    }

    private static List<X509Certificate> readChain(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> chain = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in))
                chain.add((X509Certificate) c);
            if (chain.isEmpty()) throw new TlsFileException(Part.CERTIFICATE, file + ": no PEM certificate in it");
            return chain;
        } catch (NoSuchFileException e) {
            throw new TlsFileException(Part.CERTIFICATE, file + ": file not found");
        } catch (IOException e) {
            throw new TlsFileException(Part.CERTIFICATE, file + ": cannot read: " + e.getMessage());
        } catch (CertificateException e) {
            throw new TlsFileException(Part.CERTIFICATE, file + ": not a PEM certificate (" + e.getMessage() + ")");
        }
    }

    private static PrivateKey readKey(Path file) {
        Object pem;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(r)) {
            pem = parser.readObject();
        } catch (NoSuchFileException e) {
            throw new TlsFileException(Part.PRIVATE_KEY, file + ": file not found");
        } catch (IOException | RuntimeException e) {
            throw new TlsFileException(Part.PRIVATE_KEY, file + ": cannot read a PEM private key: " + e.getMessage());
        }
        try {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (pem instanceof PEMKeyPair pair) return converter.getPrivateKey(pair.getPrivateKeyInfo());
            if (pem instanceof PrivateKeyInfo info) return converter.getPrivateKey(info);
            if (pem instanceof PEMEncryptedKeyPair || pem instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new TlsFileException(
                        Part.PRIVATE_KEY,
                        file + ": the key is encrypted; give an unencrypted key (readable by Tern only)");
            }
        } catch (IOException e) {
            throw new TlsFileException(Part.PRIVATE_KEY, file + ": unusable private key: " + e.getMessage());
        }
        throw new TlsFileException(Part.PRIVATE_KEY, file + ": no PEM private key in it");
    }

    /** True when {@code key} signs what the certificate's public key verifies. */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "RSASSA-PSS" -> null;
            default -> null;
        };
        if (algorithm == null)
            return key.getAlgorithm().equals(cert.getPublicKey().getAlgorithm());
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
