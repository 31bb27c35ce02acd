package dev.tern.core.delivery.smtp;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate checks of the policies: WebPKI (a chain to a trusted CA and the MX host name,
 * RFC 8461 section 4.1 / RFC 6125 DNS-ID matching with a wildcard in the left-most label only)
 * and DANE (RFC 7672: DANE-EE matches the server certificate, nothing else is checked; DANE-TA
 * matches a certificate of the chain, which must be signed up to it, valid now and for the host).
 */
final class CertificateChecks {
    private CertificateChecks() {}

    /** A failed check: its TLS-RPT result type and text. */
    record Failure(TlsResult result, String detail) {}

    /** The WebPKI check of {@code chain} for {@code host}, or null when it passes. */
    static Failure webPki(X509TrustManager trust, X509Certificate[] chain, String authType, String host) {
        if (chain == null || chain.length == 0)
            return new Failure(TlsResult.VALIDATION_FAILURE, "no server certificate");
        try {
            chain[0].checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            return new Failure(
                    TlsResult.CERTIFICATE_EXPIRED, "certificate of " + host + " is not valid now: " + e.getMessage());
        }
        try {
            trust.checkServerTrusted(chain, authType);
        } catch (CertificateException | RuntimeException e) {
            return new Failure(
                    TlsResult.CERTIFICATE_NOT_TRUSTED, "certificate of " + host + " is not trusted: " + e.getMessage());
        }
        if (!matchesHost(chain[0], host))
            return new Failure(
                    TlsResult.CERTIFICATE_HOST_MISMATCH,
                    "certificate of " + host + " is not valid for that name (names: " + dnsNames(chain[0]) + ")");
        return null;
    }

    /** The DANE check of {@code chain} against usable TLSA records, or null when one matches. */
    static Failure dane(List<TlsPolicy.Tlsa> records, X509Certificate[] chain, String host) {
        if (chain == null || chain.length == 0)
            return new Failure(TlsResult.VALIDATION_FAILURE, "no server certificate");
        for (TlsPolicy.Tlsa t : records) {
            if (!t.usable()) continue;
            if (t.usage() == 3 && matches(t, chain[0])) return null; // DANE-EE: the key is the proof
            if (t.usage() == 2 && taMatches(t, chain, host)) return null;
        }
        return new Failure(
                TlsResult.VALIDATION_FAILURE,
                "no TLSA record of " + host + " matches its certificate chain (" + records.size() + " records)");
    }

    private static boolean taMatches(TlsPolicy.Tlsa t, X509Certificate[] chain, String host) {
        if (host == null || !matchesHost(chain[0], host)) return false;
        for (int i = 0; i < chain.length; i++) {
            if (matches(t, chain[i])) return signedUpTo(chain, i, chain[i].getPublicKey());
        }
        // a full public key as the trust anchor, not sent by the server: it signed the top certificate
        if (t.selector() == 1 && t.matchingType() == 0) {
            try {
                PublicKey key = java.security.KeyFactory.getInstance(
                                chain[chain.length - 1].getPublicKey().getAlgorithm())
                        .generatePublic(new X509EncodedKeySpec(t.data()));
                return signedUpTo(chain, chain.length, key);
            } catch (GeneralSecurityException | RuntimeException e) {
                return false;
            }
        }
        return false;
    }

    /** chain[0..top) each signed by the next, the last by {@code anchor}, all valid now. */
    private static boolean signedUpTo(X509Certificate[] chain, int top, PublicKey anchor) {
        try {
            for (int i = 0; i < top; i++) {
                chain[i].checkValidity();
                PublicKey issuer = i + 1 < top ? chain[i + 1].getPublicKey() : anchor;
                chain[i].verify(issuer);
            }
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    static boolean matches(TlsPolicy.Tlsa t, X509Certificate cert) {
        byte[] selected;
        try {
            selected =
                    t.selector() == 0 ? cert.getEncoded() : cert.getPublicKey().getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            return false;
        }
        byte[] data = t.data();
        return switch (t.matchingType()) {
            case 0 -> Arrays.equals(selected, data);
            case 1 -> MessageDigest.isEqual(digest("SHA-256", selected), data);
            case 2 -> MessageDigest.isEqual(digest("SHA-512", selected), data);
            default -> false;
        };
    }

    static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 6125 DNS-ID matching on the subjectAltName dNSNames; a wildcard only as the whole left-most label. */
    static boolean matchesHost(X509Certificate cert, String host) {
        String h = normalize(host);
        for (String name : dnsNames(cert)) {
            String n = normalize(name);
            if (n.equals(h)) return true;
            if (n.startsWith("*.") && n.indexOf('*', 1) < 0) {
                int dot = h.indexOf('.');
                if (dot > 0
                        && h.substring(dot + 1).equals(n.substring(2))
                        && n.substring(2).contains(".")) return true;
            }
        }
        return false;
    }

    static List<String> dnsNames(X509Certificate cert) {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans == null) return List.of();
            return sans.stream()
                    .filter(e -> e.size() >= 2 && Integer.valueOf(2).equals(e.get(0)))
                    .map(e -> String.valueOf(e.get(1)))
                    .toList();
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }

    private static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /**
     * The trust manager of one policy connection: runs the policy's check on the server's chain and
     * keeps the result; refuses the handshake only when the policy is enforced.
     */
    static final class PolicyTrustManager extends X509ExtendedTrustManager {
        private final TlsPolicy policy;
        private final X509TrustManager pkix;
        volatile Failure failure;

        PolicyTrustManager(TlsPolicy policy, X509TrustManager pkix) {
            this.policy = policy;
            this.pkix = pkix;
        }

        private void check(X509Certificate[] chain, String authType) throws CertificateException {
            Failure f = switch (policy.level()) {
                case VERIFY -> webPki(pkix, chain, authType, policy.host());
                case DANE -> dane(policy.tlsa(), chain, policy.host());
                default -> null;
            };
            failure = f;
            if (f != null && policy.enforce()) throw new CertificateException(f.detail());
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
