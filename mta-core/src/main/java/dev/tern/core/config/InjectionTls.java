package dev.tern.core.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * TLS on the injection listener ({@code injection.tls}): STARTTLS on the plain listener and
 * an optional implicit-TLS (SMTPS) listener, both with the same certificate.
 *
 * @param starttls    offer STARTTLS on the injection listener
 * @param certificate PEM certificate chain (server certificate first)
 * @param privateKey  PEM private key of the certificate (unencrypted; keep it readable by Tern only)
 * @param selfSigned  when neither file exists, generate a self-signed certificate and key there on start
 * @param smtpsListen address of an implicit-TLS (SMTPS, port 465 style) listener; null = none
 * @param protocols   TLS versions offered: TLSv1.2 and/or TLSv1.3
 * @param handshakeTimeout a TLS handshake (STARTTLS or SMTPS) must finish within this
 * @param cipherSuites cipher suites offered (JSSE names); empty = the JDK's AEAD suites only
 */
public record InjectionTls(
        boolean starttls,
        Path certificate,
        Path privateKey,
        boolean selfSigned,
        HostPort smtpsListen,
        List<String> protocols,
        java.time.Duration handshakeTimeout,
        List<String> cipherSuites)
        implements Validated {
    /** The TLS versions Tern accepts. */
    public static final List<String> ALLOWED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    static InjectionTls defaults() {
        return new InjectionTls(
                true,
                Path.of("data/tls/injection-cert.pem"),
                Path.of("data/tls/injection-key.pem"),
                true,
                null,
                ALLOWED_PROTOCOLS,
                java.time.Duration.ofSeconds(30),
                List.of());
    }

    public InjectionTls {
        if (certificate != null && certificate.toString().isEmpty()) certificate = null;
        if (privateKey != null && privateKey.toString().isEmpty()) privateKey = null;
        protocols = protocols == null ? ALLOWED_PROTOCOLS : List.copyOf(protocols);
        cipherSuites = cipherSuites == null ? List.of() : List.copyOf(cipherSuites);
        handshakeTimeout = handshakeTimeout == null ? java.time.Duration.ofSeconds(30) : handshakeTimeout;
    }

    /** True when a certificate is needed (STARTTLS or SMTPS). */
    public boolean enabled() {
        return starttls || smtpsListen != null;
    }

    /** True when the certificate and key are to be generated now (self_signed and neither file exists). */
    public boolean generate() {
        return enabled()
                && selfSigned
                && certificate != null
                && privateKey != null
                && !Files.exists(certificate)
                && !Files.exists(privateKey);
    }

    @Override
    public void validate(Problems p) {
        if (protocols.isEmpty())
            p.add("protocols", "must name at least one of " + String.join(", ", ALLOWED_PROTOCOLS));
        for (int i = 0; i < protocols.size(); i++) {
            if (!ALLOWED_PROTOCOLS.contains(protocols.get(i))) {
                p.add(
                        "protocols[" + i + "]",
                        "'" + protocols.get(i) + "' is not allowed: only " + String.join(", ", ALLOWED_PROTOCOLS));
            }
        }
        p.require(
                !handshakeTimeout.isNegative() && !handshakeTimeout.isZero(), "handshake_timeout", "must be positive");
        FileChecks.installed().tlsCipherSuites(cipherSuites, p);
        if (!enabled()) return;
        String why = "is required when starttls is true or smtps_listen is set";
        p.require(certificate != null, "certificate", why);
        p.require(privateKey != null, "private_key", why);
        if (certificate == null || privateKey == null || generate()) return;
        boolean certOk = readable(certificate, "certificate", p);
        boolean keyOk = readable(privateKey, "private_key", p);
        if (!certOk || !keyOk) return;
        FileChecks.installed().tlsKeyPair(certificate, privateKey, p);
    }

    private boolean readable(Path file, String key, Problems p) {
        if (!Files.exists(file)) {
            p.add(
                    key,
                    file + ": file not found"
                            + (selfSigned
                                    ? " (self_signed generates the certificate and key only when neither file exists)"
                                    : ""));
            return false;
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            p.add(key, file + ": not a readable file");
            return false;
        }
        return true;
    }
}
