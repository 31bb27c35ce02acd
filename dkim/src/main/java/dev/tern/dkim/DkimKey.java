package dev.tern.dkim;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReferenceArray;
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
 * A key signs with {@link SigningEngine#preferred()} (native AWS-LC where it loads and accepts the key,
 * else pure Java); {@link #withEngine(SigningEngine)} picks one. The key is parsed once per engine:
 * signing objects are pooled, so a signature parses nothing.
 */
public final class DkimKey {
    /** Smallest RSA modulus accepted for signing (RFC 8301). */
    public static final int MIN_RSA_BITS = 1024;

    /** The PKCS#8 (RFC 8410) encoding of an Ed25519 private key up to its 32-byte seed. */
    private static final byte[] ED25519_PKCS8_PREFIX = {
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20
    };

    /** Signing objects kept per key: enough for every core to sign at once, a few more for luck. */
    private static final int POOL_SIZE =
            Math.min(64, Integer.highestOneBit(Math.max(2, Runtime.getRuntime().availableProcessors()) * 4));

    private final DkimAlgorithm algorithm;
    private final int bits;
    private final PrivateKey rsaKey;
    private final Ed25519PrivateKeyParameters edKey;
    private final byte[] publicKey;
    private final SigningEngine engine;
    private final Provider provider;
    /** The private key in the engine's own form; null for Ed25519 on the Java engine (Bouncy Castle's key). */
    private final PrivateKey engineKey;
    /** Idle signing objects ({@link Signature} or Bouncy Castle's signer, with their SHA-256 digest). */
    private final AtomicReferenceArray<Op> idle = new AtomicReferenceArray<>(POOL_SIZE);

    private DkimKey(
            DkimAlgorithm algorithm,
            int bits,
            PrivateKey rsaKey,
            Ed25519PrivateKeyParameters edKey,
            byte[] publicKey,
            SigningEngine engine,
            PrivateKey engineKey) {
        this.algorithm = algorithm;
        this.bits = bits;
        this.rsaKey = rsaKey;
        this.edKey = edKey;
        this.publicKey = publicKey;
        this.engine = engine;
        this.provider = engine.provider();
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
        byte[] spki;
        try {
            spki = KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()))
                    .getEncoded();
        } catch (GeneralSecurityException e) {
            throw new DkimKeyException("cannot derive RSA public key: " + e, e);
        }
        return preferred(new DkimKey(DkimAlgorithm.RSA_SHA256, bits, key, null, spki, SigningEngine.JAVA, key));
    }

    /** {@code java} on the native engine where that loads and accepts the key, else {@code java} itself. */
    private static DkimKey preferred(DkimKey java) {
        if (SigningEngine.preferred() == SigningEngine.JAVA) return java;
        try {
            return java.withEngine(SigningEngine.NATIVE);
        } catch (DkimKeyException e) {
            return java; // the native engine refused this key: pure Java signs it
        }
    }

    /**
     * This key signing with {@code engine}. Switching to {@link SigningEngine#NATIVE} checks once that
     * the native engine's signature of a test text is byte-identical to the pure-Java one.
     *
     * @throws DkimKeyException if the engine is not available, cannot use this key or disagrees with Java
     */
    public DkimKey withEngine(SigningEngine engine) {
        if (engine == this.engine) return this;
        if (engine == SigningEngine.JAVA) {
            return new DkimKey(algorithm, bits, rsaKey, edKey, publicKey, SigningEngine.JAVA, rsaKey);
        }
        Provider p = engine.provider();
        PrivateKey translated;
        try {
            if (edKey != null) {
                String missing = SigningEngine.nativeEd25519UnavailableReason();
                if (missing != null) throw new DkimKeyException(missing);
                byte[] pkcs8 = Arrays.copyOf(ED25519_PKCS8_PREFIX, ED25519_PKCS8_PREFIX.length + 32);
                edKey.encode(pkcs8, ED25519_PKCS8_PREFIX.length);
                translated = KeyFactory.getInstance("EdDSA", p).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                Arrays.fill(pkcs8, (byte) 0);
            } else {
                translated = (PrivateKey) KeyFactory.getInstance("RSA", p).translateKey(rsaKey);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new DkimKeyException(
                    "the " + engine.description() + " engine cannot use this " + algorithm.keyType() + " key: " + e, e);
        }
        DkimKey candidate = new DkimKey(algorithm, bits, rsaKey, edKey, publicKey, engine, translated);
        byte[] probe = "tern dkim signing engine self-check".getBytes(StandardCharsets.US_ASCII);
        byte[] mine;
        byte[] reference;
        try {
            mine = candidate.sign(probe);
            reference = withEngine(SigningEngine.JAVA).sign(probe);
        } catch (RuntimeException e) {
            throw new DkimKeyException("the " + engine.description() + " engine failed its self-check: " + e, e);
        }
        if (!Arrays.equals(mine, reference)) {
            throw new DkimKeyException("the " + engine.description() + " engine disagrees with the pure-Java "
                    + algorithm.keyType() + " signature");
        }
        return candidate;
    }

    /** The engine this key signs with. */
    public SigningEngine engine() {
        return engine;
    }

    private static DkimKey ed25519(Ed25519PrivateKeyParameters key) {
        return preferred(new DkimKey(
                DkimAlgorithm.ED25519_SHA256,
                256,
                null,
                key,
                key.generatePublicKey().getEncoded(),
                SigningEngine.JAVA,
                null));
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
     * Signs the canonicalized header data: RSASSA-PKCS1-v1_5 with SHA-256, or Ed25519 (PureEdDSA) over the
     * SHA-256 digest of the data (RFC 8463 section 3).
     */
    byte[] sign(byte[] data) {
        return sign(data, 0, data.length);
    }

    /** As {@link #sign(byte[])} for {@code data[off, off + len)}. */
    byte[] sign(byte[] data, int off, int len) {
        Op op = take();
        byte[] signature;
        try {
            signature = signWith(op, data, off, len);
        } catch (GeneralSecurityException | RuntimeException e) {
            // the object's state is unknown now: it is not put back
            throw new IllegalStateException(algorithm.keyType() + " signing failed (" + engine + " engine)", e);
        }
        give(op);
        return signature;
    }

    /** One signature with a pooled object; named sign* so that profiles count it as the key operation. */
    private static byte[] signWith(Op op, byte[] data, int off, int len) throws GeneralSecurityException {
        if (op.sha256 == null) {
            op.signature.update(data, off, len); // SHA256withRSA hashes the data itself
            return op.signature.sign();
        }
        op.sha256.update(data, off, len);
        byte[] digest = op.sha256.digest();
        if (op.signature != null) {
            op.signature.update(digest);
            return op.signature.sign();
        }
        op.bc.update(digest, 0, digest.length);
        return op.bc.generateSignature();
    }

    private Op take() {
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i < POOL_SIZE; i++) {
            int slot = (start + i) & (POOL_SIZE - 1);
            if (idle.getPlain(slot) != null) {
                Op op = idle.getAndSet(slot, null);
                if (op != null) return op;
            }
        }
        return newOp();
    }

    private void give(Op op) {
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i < POOL_SIZE; i++) {
            int slot = (start + i) & (POOL_SIZE - 1);
            if (idle.getPlain(slot) == null && idle.compareAndSet(slot, null, op)) return;
        }
        // pool full: dropped
    }

    private Op newOp() {
        try {
            if (edKey != null && engineKey == null) {
                Ed25519Signer bc = new Ed25519Signer();
                bc.init(true, edKey);
                return new Op(null, Hashing.newDigest("SHA-256"), bc);
            }
            String name = edKey != null ? "Ed25519" : "SHA256withRSA";
            Signature s = provider == null ? Signature.getInstance(name) : Signature.getInstance(name, provider);
            s.initSign(engineKey);
            return new Op(s, edKey != null ? Hashing.newDigest("SHA-256") : null, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm.keyType() + " signing unavailable (" + engine + " engine)", e);
        }
    }

    /**
     * A signing object initialised with this key, used by one thread at a time: a JCA signature
     * (RSA; Ed25519 on the native engine) or Bouncy Castle's Ed25519 signer, and for Ed25519 the
     * SHA-256 digest of the header data that Ed25519 signs.
     */
    private record Op(Signature signature, MessageDigest sha256, Ed25519Signer bc) {}

    @Override
    public String toString() {
        return "DkimKey[" + algorithm.tag() + ", " + bits + " bits, " + engine + "]";
    }
}
