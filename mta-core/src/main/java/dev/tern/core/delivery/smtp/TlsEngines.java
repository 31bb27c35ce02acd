package dev.tern.core.delivery.smtp;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which TLS engine outbound connections use: Netty's OpenSSL engine (BoringSSL from
 * netty-tcnative-boringssl-static, linux-x86_64) where it loads, else the JDK's. Measured in
 * memory ({@code TlsEngineBenchmark}): several times the JDK's handshakes and bulk encryption
 * per second. The system property {@code tern.tls.engine} ({@code auto}, {@code openssl},
 * {@code jdk}) overrides the choice; {@code openssl} where it cannot load falls back to the JDK
 * with a warning.
 */
public final class TlsEngines {
    private static final Logger log = LoggerFactory.getLogger(TlsEngines.class);
    private static final SslProvider PROVIDER = choose(System.getProperty("tern.tls.engine", "auto"));

    private TlsEngines() {}

    /** The engine of outbound TLS contexts. */
    public static SslProvider provider() {
        return PROVIDER;
    }

    static SslProvider choose(String setting) {
        String s = setting.strip().toLowerCase(Locale.ROOT);
        if (s.equals("jdk")) return SslProvider.JDK;
        if (!s.equals("auto") && !s.equals("openssl")) {
            log.warn("tern.tls.engine={} is not auto, openssl or jdk: using auto", setting);
        }
        if (OpenSsl.isAvailable()) return SslProvider.OPENSSL;
        if (s.equals("openssl")) {
            log.warn(
                    "tern.tls.engine=openssl but the OpenSSL engine cannot load ({}): using the JDK's",
                    OpenSsl.unavailabilityCause() == null
                            ? "unknown"
                            : OpenSsl.unavailabilityCause().toString());
        }
        return SslProvider.JDK;
    }
}
