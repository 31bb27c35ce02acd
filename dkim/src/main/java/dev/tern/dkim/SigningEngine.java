package dev.tern.dkim;

import java.security.Provider;

/**
 * Where DKIM signatures are computed. {@link #NATIVE} is AWS-LC through the Amazon Corretto Crypto
 * Provider (a JCA provider with its native library inside the jar, linux-x86_64): about 3x the
 * JDK's speed for RSA-2048 and about 6x Bouncy Castle's for Ed25519. {@link #JAVA} is pure Java,
 * always available and the fallback: the JDK's RSA and Bouncy Castle's Ed25519. Both engines produce
 * the same bytes (RSASSA-PKCS1-v1_5 and Ed25519 are deterministic); a key switched to the native
 * engine checks that once ({@link DkimKey#withEngine}).
 */
public enum SigningEngine {
    NATIVE,
    JAVA;

    private static final String PROVIDER_CLASS = "com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider";

    /**
     * ACCP registers its EdDSA key factory only on request (it would otherwise take keys meant for
     * the JDK's providers when installed globally; Tern never installs it globally). Without it each
     * signature would re-parse the key.
     */
    private static final String REGISTER_ED_KEY_FACTORY = "com.amazon.corretto.crypto.provider.registerEdKeyFactory";

    /** The native engine if it loaded on this machine, else the pure-Java one. */
    public static SigningEngine preferred() {
        return Native.PROVIDER != null ? NATIVE : JAVA;
    }

    /** Whether the native engine loaded (its library matches this platform and passed its self-tests). */
    public static boolean nativeAvailable() {
        return Native.PROVIDER != null;
    }

    /** Why the native engine is not available, or null when it is. */
    public static String nativeUnavailableReason() {
        return Native.ERROR;
    }

    /** Why the native engine cannot sign Ed25519, or null when it can. */
    static String nativeEd25519UnavailableReason() {
        return Native.PROVIDER == null ? Native.ERROR : Native.ED_ERROR;
    }

    /** What this engine is, for logs: e.g. {@code native (AWS-LC via Amazon Corretto Crypto Provider 2.5.0)}. */
    public String description() {
        if (this == JAVA) return "java (JDK " + Runtime.version().feature() + " RSA, Bouncy Castle Ed25519)";
        return Native.PROVIDER == null
                ? "native (unavailable: " + Native.ERROR + ")"
                : "native (AWS-LC via Amazon Corretto Crypto Provider " + Native.PROVIDER.getVersionStr() + ")";
    }

    /** The JCA provider of this engine; null for the JDK's default lookup. */
    Provider provider() {
        if (this == JAVA) return null;
        if (Native.PROVIDER == null) {
            throw new DkimKeyException("the native signing engine is not available: " + Native.ERROR);
        }
        return Native.PROVIDER;
    }

    /** Loaded once, on first use; the provider is not installed globally (only DKIM signing uses it). */
    private static final class Native {
        static final Provider PROVIDER;
        static final String ERROR;
        static final String ED_ERROR;

        static {
            Provider p = null;
            String error = null;
            String edError = null;
            try {
                if (System.getProperty(REGISTER_ED_KEY_FACTORY) == null) {
                    System.setProperty(REGISTER_ED_KEY_FACTORY, "true");
                }
                Class<?> c = Class.forName(PROVIDER_CLASS);
                Provider candidate = (Provider) c.getField("INSTANCE").get(null);
                Object loadingError = c.getMethod("getLoadingError").invoke(candidate);
                if (loadingError != null) {
                    error = String.valueOf(loadingError);
                } else {
                    c.getMethod("assertHealthy").invoke(candidate);
                    p = candidate;
                    if (candidate.getService("KeyFactory", "EdDSA") == null
                            || candidate.getService("Signature", "Ed25519") == null) {
                        edError = "Amazon Corretto Crypto Provider " + candidate.getVersionStr()
                                + " has no Ed25519 key factory and signature (" + REGISTER_ED_KEY_FACTORY + "="
                                + System.getProperty(REGISTER_ED_KEY_FACTORY) + ")";
                    }
                }
            } catch (ClassNotFoundException e) {
                error = "Amazon Corretto Crypto Provider is not on the class path";
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                error = cause.toString();
            }
            PROVIDER = p;
            ERROR = error;
            ED_ERROR = edError;
        }
    }
}
