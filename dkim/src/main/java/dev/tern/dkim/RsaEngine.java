package dev.tern.dkim;

import java.security.Provider;

/**
 * Where RSA signatures are computed. {@link #NATIVE} is AWS-LC through the Amazon Corretto Crypto
 * Provider (a JCA provider with its native library inside the jar, linux-x86_64), about 3x the
 * JDK's speed for RSA-2048; {@link #JAVA} is the JDK's own pure-Java RSA, always available and
 * the fallback. Both produce the same bytes (RSASSA-PKCS1-v1_5 is deterministic). Ed25519 always
 * signs with Bouncy Castle.
 */
public enum RsaEngine {
    NATIVE,
    JAVA;

    private static final String PROVIDER_CLASS = "com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider";

    /** The native engine if it loaded on this machine, else the JDK's. */
    public static RsaEngine preferred() {
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

    /** What this engine is, for logs: e.g. {@code native (AWS-LC via Amazon Corretto Crypto Provider 2.5.0)}. */
    public String description() {
        if (this == JAVA) return "java (JDK " + Runtime.version().feature() + ")";
        return Native.PROVIDER == null
                ? "native (unavailable: " + Native.ERROR + ")"
                : "native (AWS-LC via Amazon Corretto Crypto Provider " + Native.PROVIDER.getVersionStr() + ")";
    }

    /** The JCA provider of this engine; null for the JDK's default lookup. */
    Provider provider() {
        if (this == JAVA) return null;
        if (Native.PROVIDER == null) {
            throw new DkimKeyException("the native RSA engine is not available: " + Native.ERROR);
        }
        return Native.PROVIDER;
    }

    /** Loaded once, on first use; the provider is not installed globally (only DKIM signing uses it). */
    private static final class Native {
        static final Provider PROVIDER;
        static final String ERROR;

        static {
            Provider p = null;
            String error = null;
            try {
                Class<?> c = Class.forName(PROVIDER_CLASS);
                Provider candidate = (Provider) c.getField("INSTANCE").get(null);
                Object loadingError = c.getMethod("getLoadingError").invoke(candidate);
                if (loadingError != null) {
                    error = String.valueOf(loadingError);
                } else {
                    c.getMethod("assertHealthy").invoke(candidate);
                    p = candidate;
                }
            } catch (ClassNotFoundException e) {
                error = "Amazon Corretto Crypto Provider is not on the class path";
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                error = cause.toString();
            }
            PROVIDER = p;
            ERROR = error;
        }
    }
}
