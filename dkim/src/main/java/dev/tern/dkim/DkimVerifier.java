package dev.tern.dkim;

import dev.tern.dkim.VerificationResult.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Verifies every {@code DKIM-Signature} of a message (RFC 6376 section 6, RFC 8463, RFC 8301) against keys
 * from a {@link KeyLookup}. Thread-safe if the lookup is.
 */
public final class DkimVerifier {
    private final KeyLookup keys;
    private final VerifierSettings settings;

    public DkimVerifier(KeyLookup keys, VerifierSettings settings) {
        this.keys = keys;
        this.settings = settings;
    }

    public DkimVerifier(KeyLookup keys) {
        this(keys, VerifierSettings.defaults());
    }

    /** One result per {@code DKIM-Signature} field, top to bottom; empty if the message has none. */
    public List<VerificationResult> verify(byte[] message) {
        int[] bodyStart = {message.length};
        MessageSplitter splitter = new MessageSplitter((b, off, len) -> bodyStart[0] = Math.min(bodyStart[0], off));
        splitter.update(message, 0, message.length);
        List<HeaderField> fields = splitter.headers();
        Body body = new Body(message, bodyStart[0]);
        List<VerificationResult> results = new ArrayList<>();
        for (HeaderField f : fields) {
            if (f.hasName("DKIM-Signature")) {
                results.add(verifyOne(f, fields, body));
            }
        }
        return results;
    }

    /** The body and its hashes, computed once per (canonicalization, digest, l=). */
    private record Body(byte[] message, int start, Map<String, BodyHash> done) {
        Body(byte[] message, int start) {
            this(message, start, new HashMap<>());
        }

        BodyHash hash(Canonicalization c, String digest, long limit) {
            return done.computeIfAbsent(c + "/" + digest + "/" + limit, k -> {
                BodyHasher h = new BodyHasher(c, digest, limit);
                h.update(message, start, message.length - start);
                return new BodyHash(h.finish(), h.length());
            });
        }
    }

    private record BodyHash(byte[] digest, long length) {}

    private static final class Failure extends Exception {
        final Reason reason;

        Failure(Reason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    private record Sig(
            Map<String, String> tags,
            String keyType,
            String hash,
            Canonicalization headerC,
            Canonicalization bodyC,
            String domain,
            String selector,
            String identity,
            List<String> headers,
            long length,
            byte[] b,
            byte[] bh) {}

    private VerificationResult verifyOne(HeaderField field, List<HeaderField> fields, Body body) {
        Map<String, String> tags = null;
        try {
            tags = TagList.parse(field.value());
            Sig sig = parseSignature(tags);
            PublicKey key = fetchKey(sig);
            String digest = sig.hash.equals("sha1") ? "SHA-1" : "SHA-256";
            BodyHash h = body.hash(sig.bodyC, digest, sig.length);
            byte[] bh = h.digest();
            if (sig.length >= 0 && sig.length > h.length()) {
                throw new Failure(Reason.BODY_TOO_SHORT, "l=" + sig.length + " exceeds the body length " + h.length());
            }
            if (!Arrays.equals(bh, sig.bh)) {
                throw new Failure(Reason.BODY_HASH_MISMATCH, "body hash does not match bh=");
            }
            StringBuilder data = new StringBuilder(1024);
            for (HeaderField f : HeaderField.select(fields, sig.headers)) {
                data.append(f.canonical(sig.headerC));
            }
            data.append(HeaderField.canonical(TagList.withEmptyB(field.raw()), sig.headerC));
            if (!verifySignature(sig, key, Latin1.bytes(data))) {
                throw new Failure(Reason.SIGNATURE_MISMATCH, "signature b= does not verify");
            }
            return VerificationResult.pass(sig.domain, sig.selector, tags.get("a"));
        } catch (Failure e) {
            return VerificationResult.failure(e.reason, e.getMessage(), tag(tags, "d"), tag(tags, "s"), tag(tags, "a"));
        } catch (TagList.SyntaxException e) {
            return VerificationResult.failure(Reason.BAD_SIGNATURE_SYNTAX, e.getMessage(), null, null, null);
        }
    }

    private static String tag(Map<String, String> tags, String name) {
        return tags == null ? null : tags.get(name);
    }

    private Sig parseSignature(Map<String, String> t) throws Failure {
        for (String required : List.of("v", "a", "b", "bh", "d", "h", "s")) {
            if (!t.containsKey(required)) {
                throw new Failure(Reason.BAD_SIGNATURE_SYNTAX, "missing required tag " + required + "=");
            }
        }
        if (!t.get("v").equals("1")) {
            throw new Failure(Reason.UNSUPPORTED_VERSION, "v=" + t.get("v") + " is not 1");
        }
        String a = t.get("a").toLowerCase(Locale.ROOT);
        String keyType;
        String hash;
        switch (a) {
            case "rsa-sha256" -> {
                keyType = "rsa";
                hash = "sha256";
            }
            case "ed25519-sha256" -> {
                keyType = "ed25519";
                hash = "sha256";
            }
            case "rsa-sha1" -> {
                if (!settings.allowRsaSha1()) {
                    throw new Failure(Reason.UNSUPPORTED_ALGORITHM, "rsa-sha1 is not accepted (RFC 8301)");
                }
                keyType = "rsa";
                hash = "sha1";
            }
            default -> throw new Failure(Reason.UNSUPPORTED_ALGORITHM, "unsupported algorithm a=" + a);
        }
        String c = t.getOrDefault("c", "simple");
        int slash = c.indexOf('/');
        Canonicalization hc = Canonicalization.fromTag(slash < 0 ? c : c.substring(0, slash));
        Canonicalization bc = slash < 0 ? Canonicalization.SIMPLE : Canonicalization.fromTag(c.substring(slash + 1));
        if (hc == null || bc == null) {
            throw new Failure(Reason.UNSUPPORTED_CANONICALIZATION, "unsupported canonicalization c=" + c);
        }
        String domain = t.get("d");
        String selector = t.get("s");
        if (domain.isEmpty() || selector.isEmpty()) {
            throw new Failure(Reason.BAD_SIGNATURE_SYNTAX, "empty d= or s=");
        }
        List<String> headers = new ArrayList<>();
        for (String h : t.get("h").split(":", -1)) {
            String name = TagList.trimFws(h);
            if (name.isEmpty()) {
                throw new Failure(Reason.BAD_SIGNATURE_SYNTAX, "empty header name in h=");
            }
            headers.add(name);
        }
        if (headers.stream().noneMatch(h -> h.equalsIgnoreCase("from"))) {
            throw new Failure(Reason.FROM_NOT_SIGNED, "h= does not include From");
        }
        String identity = "@" + domain;
        if (t.containsKey("i")) {
            identity = QuotedPrintable.decode(TagList.stripAllFws(t.get("i")));
            if (identity == null || identity.indexOf('@') < 0) {
                throw new Failure(Reason.BAD_SIGNATURE_SYNTAX, "malformed i=" + t.get("i"));
            }
            if (!isSameOrSubdomain(identityDomain(identity), domain)) {
                throw new Failure(Reason.IDENTITY_MISMATCH, "i=" + identity + " is not within d=" + domain);
            }
        }
        if (t.containsKey("q")) {
            boolean dnsTxt = Arrays.stream(t.get("q").split(":"))
                    .anyMatch(q -> TagList.trimFws(q).equalsIgnoreCase("dns/txt"));
            if (!dnsTxt) {
                throw new Failure(Reason.UNSUPPORTED_QUERY_METHOD, "unsupported query method q=" + t.get("q"));
            }
        }
        long length = t.containsKey("l") ? number(t, "l") : -1;
        long now = settings.clock().instant().getEpochSecond();
        if (t.containsKey("x")) {
            long x = number(t, "x");
            if (t.containsKey("t") && x < number(t, "t")) {
                throw new Failure(Reason.BAD_SIGNATURE_SYNTAX, "x= is before t=");
            }
            if (now > x) {
                throw new Failure(Reason.EXPIRED, "signature expired at x=" + x + " (now " + now + ")");
            }
        } else if (t.containsKey("t")) {
            number(t, "t");
        }
        byte[] b = base64(t.get("b"), "b");
        byte[] bh = base64(t.get("bh"), "bh");
        return new Sig(t, keyType, hash, hc, bc, domain, selector, identity, headers, length, b, bh);
    }

    private static long number(Map<String, String> t, String name) throws Failure {
        String v = t.get(name);
        if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw new Failure(Reason.BAD_SIGNATURE_SYNTAX, "malformed " + name + "=" + v);
        }
        return Long.parseLong(v);
    }

    private static byte[] base64(String value, String name) throws Failure {
        try {
            return Base64.getDecoder().decode(TagList.stripAllFws(value));
        } catch (IllegalArgumentException e) {
            throw new Failure(Reason.BAD_SIGNATURE_SYNTAX, "malformed base64 in " + name + "=");
        }
    }

    private static String identityDomain(String identity) {
        return identity.substring(identity.lastIndexOf('@') + 1);
    }

    private static boolean isSameOrSubdomain(String sub, String domain) {
        String s = sub.toLowerCase(Locale.ROOT);
        String d = domain.toLowerCase(Locale.ROOT);
        return s.equals(d) || s.endsWith("." + d);
    }

    private PublicKey fetchKey(Sig sig) throws Failure {
        String record;
        try {
            record = keys.lookup(sig.selector, sig.domain);
        } catch (IOException | UncheckedIOException e) {
            throw new Failure(Reason.KEY_LOOKUP_FAILED, "key lookup failed: " + e.getMessage());
        }
        if (record == null) {
            throw new Failure(Reason.KEY_NOT_FOUND, "no key record at " + sig.selector + "._domainkey." + sig.domain);
        }
        Map<String, String> k;
        try {
            k = TagList.parse(record);
        } catch (TagList.SyntaxException e) {
            throw new Failure(Reason.BAD_KEY_SYNTAX, "key record: " + e.getMessage());
        }
        if (k.containsKey("v")
                && (!k.get("v").equals("DKIM1") || !k.keySet().iterator().next().equals("v"))) {
            throw new Failure(Reason.BAD_KEY_SYNTAX, "key record v= must be DKIM1 and come first");
        }
        if (!k.containsKey("p")) {
            throw new Failure(Reason.BAD_KEY_SYNTAX, "key record without p=");
        }
        String p = TagList.stripAllFws(k.get("p"));
        if (p.isEmpty()) {
            throw new Failure(Reason.KEY_REVOKED, "key revoked (empty p=)");
        }
        String keyType = k.getOrDefault("k", "rsa").toLowerCase(Locale.ROOT);
        if (!keyType.equals("rsa") && !keyType.equals("ed25519")) {
            throw new Failure(Reason.BAD_KEY_SYNTAX, "unknown key type k=" + keyType);
        }
        if (!keyType.equals(sig.keyType)) {
            throw new Failure(Reason.KEY_MISMATCH, "key type k=" + keyType + " does not match a=" + sig.tags.get("a"));
        }
        if (k.containsKey("h")
                && Arrays.stream(k.get("h").split(":"))
                        .noneMatch(h -> TagList.trimFws(h).equalsIgnoreCase(sig.hash))) {
            throw new Failure(Reason.KEY_MISMATCH, "key h=" + k.get("h") + " does not allow " + sig.hash);
        }
        if (k.containsKey("s")
                && Arrays.stream(k.get("s").split(":"))
                        .map(TagList::trimFws)
                        .noneMatch(s -> s.equals("*") || s.equalsIgnoreCase("email"))) {
            throw new Failure(Reason.BAD_KEY_SYNTAX, "key service type s=" + k.get("s") + " excludes email");
        }
        if (k.containsKey("t")
                && Arrays.stream(k.get("t").split(":")).map(TagList::trimFws).anyMatch("s"::equals)
                && !identityDomain(sig.identity).equalsIgnoreCase(sig.domain)) {
            throw new Failure(Reason.IDENTITY_MISMATCH, "key flag t=s requires the i= domain to equal d=");
        }
        byte[] der;
        try {
            der = Base64.getDecoder().decode(p);
        } catch (IllegalArgumentException e) {
            throw new Failure(Reason.BAD_KEY_SYNTAX, "malformed base64 in key p=");
        }
        return keyType.equals("rsa") ? rsaKey(der) : ed25519Key(der);
    }

    private PublicKey rsaKey(byte[] der) throws Failure {
        RSAPublicKey key;
        try {
            KeyFactory kf = KeyFactory.getInstance("RSA");
            try {
                key = (RSAPublicKey) kf.generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException | RuntimeException spki) {
                // some publishers put a bare PKCS#1 RSAPublicKey in p= (RFC 6376 errata 3017); accept it too
                org.bouncycastle.asn1.pkcs.RSAPublicKey pkcs1 =
                        org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(der);
                key = (RSAPublicKey)
                        kf.generatePublic(new RSAPublicKeySpec(pkcs1.getModulus(), pkcs1.getPublicExponent()));
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new Failure(Reason.BAD_KEY_SYNTAX, "p= is not an RSA public key");
        }
        int bits = key.getModulus().bitLength();
        if (bits < settings.minRsaKeyBits()) {
            throw new Failure(
                    Reason.KEY_TOO_SMALL, "RSA key of " + bits + " bits is below " + settings.minRsaKeyBits());
        }
        return key;
    }

    private static PublicKey ed25519Key(byte[] raw) throws Failure {
        if (raw.length != Ed25519PublicKeyParameters.KEY_SIZE) {
            throw new Failure(Reason.BAD_KEY_SYNTAX, "Ed25519 key must be 32 bytes, p= has " + raw.length);
        }
        try {
            return new Ed25519Key(new Ed25519PublicKeyParameters(raw, 0));
        } catch (IllegalArgumentException e) {
            // 32 bytes that are not a point on the curve: Bouncy Castle refuses them ("invalid public key")
            throw new Failure(Reason.BAD_KEY_SYNTAX, "p= is not an Ed25519 public key");
        }
    }

    /** Wraps a Bouncy Castle Ed25519 key so both key kinds travel as {@link PublicKey}. */
    private record Ed25519Key(Ed25519PublicKeyParameters params) implements PublicKey {
        @Override
        public String getAlgorithm() {
            return "Ed25519";
        }

        @Override
        public String getFormat() {
            return "RAW";
        }

        @Override
        public byte[] getEncoded() {
            return params.getEncoded();
        }
    }

    private static boolean verifySignature(Sig sig, PublicKey key, byte[] data) {
        if (key instanceof Ed25519Key ed) {
            Ed25519Signer v = new Ed25519Signer();
            v.init(false, ed.params());
            byte[] digest = Hashing.sha256(data);
            v.update(digest, 0, digest.length);
            return v.verifySignature(sig.b);
        }
        try {
            Signature s = Signature.getInstance(sig.hash.equals("sha1") ? "SHA1withRSA" : "SHA256withRSA");
            s.initVerify(key);
            s.update(data);
            return s.verify(sig.b);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
