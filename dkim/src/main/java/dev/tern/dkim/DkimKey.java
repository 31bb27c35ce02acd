package dev.tern.dkim;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * A DKIM private key: RSA (at least 1024 bits) or Ed25519. Immutable and thread-safe.
 *
 * <p>Loads PEM {@code RSA PRIVATE KEY} (PKCS#1), PEM {@code PRIVATE KEY} (PKCS#8, RSA or Ed25519) and the
 * bare base64 32-byte Ed25519 seed used by RFC 8463 and dkimpy. The algorithm is detected from the key.
 * An RSA key signs with {@link RsaEngine#preferred()} (native AWS-LC where it loads, else the JDK);
 * {@link #withRsaEngine(RsaEngine)} picks one.
 */
public final class DkimKey {
    /** Smallest RSA modulus accepted for signing (RFC 8301). */
    public static final int MIN_RSA_BITS = 1024;

    private final DkimAlgorithm algorithm;
    private final int bits;
    private final PrivateKey rsaKey;
    private final Ed25519PrivateKeyParameters edKey;
    private final byte[] publicKey;
    private final RsaEngine rsaEngine;
    private final Provider rsaProvider;
    private final PrivateKey engineKey;

    private DkimKey(
            DkimAlgorithm algorithm,
            int bits,
            PrivateKey rsaKey,
            Ed25519PrivateKeyParameters edKey,
            byte[] publicKey,
            RsaEngine rsaEngine,
            PrivateKey engineKey) {
        this.algorithm = algorithm;
        this.bits = bits;
        this.rsaKey = rsaKey;
        this.edKey = edKey;
        this.publicKey = publicKey;
        this.rsaEngine = rsaEngine;
        this.rsaProvider = rsaEngine == null ? null : rsaEngine.provider();
        this.engineKey = engineKey;
    }

    /** Loads a key file (PEM or bare base64 Ed25519 seed); errors name the file. */
    public static DkimKey load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new DkimKeyException("cannot read DKIM key file " + file + ": " + e, e);
        }
        try {
            return parse(text);
        } catch (DkimKeyException e) {
            throw new DkimKeyException("DKIM key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a key from PEM text or a bare base64 32-byte Ed25519 seed. */
    public static DkimKey parse(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            throw new DkimKeyException("empty key");
        }
        if (!t.startsWith("-----BEGIN")) {
            byte[] raw;
            try {
                raw = Base64.getDecoder().decode(t.replaceAll("\\s+", ""));
            } catch (IllegalArgumentException e) {
                throw new DkimKeyException("neither PEM nor base64: " + e.getMessage());
            }
            if (raw.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
                throw new DkimKeyException(
                        "bare base64 key must be a 32-byte Ed25519 seed, got " + raw.length + " bytes");
            }
            return ed25519(new Ed25519PrivateKeyParameters(raw, 0));
        }
        Object object;
        try (PEMParser parser = new PEMParser(new StringReader(t))) {
            object = parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new DkimKeyException("malformed PEM: " + e.getMessage(), e);
        }
        PrivateKeyInfo info = switch (object) {
            case null -> throw new DkimKeyException("no PEM object found");
            case PEMKeyPair pair -> pair.getPrivateKeyInfo();
            case PrivateKeyInfo pki -> pki;
            case PEMEncryptedKeyPair e -> throw new DkimKeyException("encrypted PEM keys are not supported");
            case PKCS8EncryptedPrivateKeyInfo e ->
                throw new DkimKeyException("encrypted PKCS#8 keys are not supported");
            case SubjectPublicKeyInfo p -> throw new DkimKeyException("this is a public key, a private key is needed");
            default ->
                throw new DkimKeyException(
                        "unsupported PEM object " + object.getClass().getSimpleName());
        };
        ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
        try {
            if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
                return rsa(new JcaPEMKeyConverter().getPrivateKey(info));
            }
            if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) {
                return ed25519((Ed25519PrivateKeyParameters) PrivateKeyFactory.createKey(info));
            }
        } catch (IOException | RuntimeException e) {
            throw new DkimKeyException("invalid key data: " + e.getMessage(), e);
        }
        throw new DkimKeyException("unsupported key algorithm " + oid + " (need RSA or Ed25519)");
    }

    /** Generates a fresh RSA key (for tests, benchmarks and key tooling). */
    public static DkimKey generateRsa(int bits) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4));
            return rsa(g.generateKeyPair().getPrivate());
        } catch (GeneralSecurityException e) {
            throw new DkimKeyException("RSA key generation failed: " + e, e);
        }
    }

    /** Generates a fresh Ed25519 key (for tests, benchmarks and key tooling). */
    public static DkimKey generateEd25519() {
        return ed25519(new Ed25519PrivateKeyParameters(new SecureRandom()));
    }

    private static DkimKey rsa(PrivateKey key) {
        if (!(key instanceof RSAPrivateCrtKey crt)) {
            throw new DkimKeyException("RSA key without CRT parameters (public exponent missing)");
        }
        int bits = crt.getModulus().bitLength();
        if (bits < MIN_RSA_BITS) {
            throw new DkimKeyException(
                    "RSA key of " + bits + " bits is too small (minimum " + MIN_RSA_BITS + ", RFC 8301)");
        }
        try {
            byte[] spki = KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()))
                    .getEncoded();
            DkimKey java = new DkimKey(DkimAlgorithm.RSA_SHA256, bits, key, null, spki, RsaEngine.JAVA, key);
            if (RsaEngine.preferred() == RsaEngine.JAVA) return java;
            try {
                return java.withRsaEngine(RsaEngine.NATIVE);
            } catch (DkimKeyException e) {
                return java; // the native engine refused this key: the JDK signs it
            }
        } catch (GeneralSecurityException e) {
            throw new DkimKeyException("cannot derive RSA public key: " + e, e);
        }
    }

    /**
     * This key signing with {@code engine} (RSA keys; an Ed25519 key is returned as is). Switching to
     * {@link RsaEngine#NATIVE} checks once that the native engine's signature of a test text is
     * byte-identical to the JDK's.
     *
     * @throws DkimKeyException if the engine is not available or disagrees with the JDK
     */
    public DkimKey withRsaEngine(RsaEngine engine) {
        if (edKey != null || engine == rsaEngine) return this;
        if (engine == RsaEngine.JAVA) {
            return new DkimKey(algorithm, bits, rsaKey, null, publicKey, RsaEngine.JAVA, rsaKey);
        }
        Provider provider = engine.provider();
        PrivateKey translated;
        try {
            translated = (PrivateKey) KeyFactory.getInstance("RSA", provider).translateKey(rsaKey);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new DkimKeyException("the " + engine.description() + " RSA engine cannot use this key: " + e, e);
        }
        DkimKey candidate = new DkimKey(algorithm, bits, rsaKey, null, publicKey, engine, translated);
        byte[] probe = "tern dkim rsa engine self-check".getBytes(StandardCharsets.US_ASCII);
        byte[] mine;
        byte[] reference;
        try {
            mine = candidate.sign(probe);
            reference = rsaSign(null, rsaKey, probe);
        } catch (RuntimeException e) {
            throw new DkimKeyException("the " + engine.description() + " RSA engine failed its self-check: " + e, e);
        }
        if (!java.util.Arrays.equals(mine, reference)) {
            throw new DkimKeyException(
                    "the " + engine.description() + " RSA engine disagrees with the JDK's signature");
        }
        return candidate;
    }

    /** The engine an RSA key signs with; null for an Ed25519 key. */
    public RsaEngine rsaEngine() {
        return rsaEngine;
    }

    private static DkimKey ed25519(Ed25519PrivateKeyParameters key) {
        return new DkimKey(
                DkimAlgorithm.ED25519_SHA256,
                256,
                null,
                key,
                key.generatePublicKey().getEncoded(),
                null,
                null);
    }

    /** The signing algorithm this key implies. */
    public DkimAlgorithm algorithm() {
        return algorithm;
    }

    /** Key size in bits (RSA modulus length; 256 for Ed25519). */
    public int bits() {
        return bits;
    }

    /** The {@code p=} value to publish: base64 SubjectPublicKeyInfo for RSA, the raw 32-byte key for Ed25519. */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey);
    }

    /** The DNS TXT record to publish at {@code <selector>._domainkey.<domain>}, e.g. {@code v=DKIM1; k=rsa; p=...}. */
    public String dnsRecord() {
        return "v=DKIM1; k=" + algorithm.keyType() + "; p=" + publicKeyBase64();
    }

    /**
     * Signs the canonicalized header data: RSASSA-PKCS1-v1_5 with SHA-256, or Ed25519 over the SHA-256 digest
     * of the data (RFC 8463 section 3).
     */
    byte[] sign(byte[] data) {
        if (edKey != null) {
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, edKey);
            byte[] digest = Hashing.sha256(data);
            signer.update(digest, 0, digest.length);
            return signer.generateSignature();
        }
        return rsaSign(rsaProvider, engineKey, data);
    }

    private static byte[] rsaSign(Provider provider, PrivateKey key, byte[] data) {
        try {
            Signature s = provider == null
                    ? Signature.getInstance("SHA256withRSA")
                    : Signature.getInstance("SHA256withRSA", provider);
            s.initSign(key);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA signing failed", e);
        }
    }

    @Override
    public String toString() {
        return "DkimKey[" + algorithm.tag() + ", " + bits + " bits" + (rsaEngine == null ? "" : ", " + rsaEngine) + "]";
    }
}
