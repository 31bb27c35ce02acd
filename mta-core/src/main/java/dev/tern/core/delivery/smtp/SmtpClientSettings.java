package dev.tern.core.delivery.smtp;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-connection settings of the SMTP client: a timeout per phase (RFC 5321 section 4.5.3.2) and TLS.
 *
 * @param connectTimeout     TCP connect
 * @param bannerTimeout      waiting for the 220 greeting
 * @param ehloTimeout        EHLO/HELO reply (also STARTTLS reply, TLS handshake and RSET)
 * @param mailTimeout        MAIL reply
 * @param rcptTimeout        each RCPT reply
 * @param dataInitTimeout    the 354 reply to DATA
 * @param dataBlockTimeout   longest time without any progress while writing the message body
 * @param dataEndTimeout     the reply after the final dot
 * @param quitTimeout        the reply to QUIT
 * @param startTls           use STARTTLS when the server offers it (opportunistic)
 * @param verifyCertificates check the server certificate chain and host name (off by default, as
 *                           usual for opportunistic TLS)
 */
public record SmtpClientSettings(
        Duration connectTimeout,
        Duration bannerTimeout,
        Duration ehloTimeout,
        Duration mailTimeout,
        Duration rcptTimeout,
        Duration dataInitTimeout,
        Duration dataBlockTimeout,
        Duration dataEndTimeout,
        Duration quitTimeout,
        boolean startTls,
        boolean verifyCertificates) {

    public SmtpClientSettings {
        for (Duration d : new Duration[] {
            connectTimeout,
            bannerTimeout,
            ehloTimeout,
            mailTimeout,
            rcptTimeout,
            dataInitTimeout,
            dataBlockTimeout,
            dataEndTimeout,
            quitTimeout
        }) {
            Objects.requireNonNull(d, "timeout");
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("timeouts must be positive: " + d);
        }
    }

    /**
     * RFC 5321 4.5.3.2 values: banner 5 min, MAIL 5 min, RCPT 5 min, DATA initiation 2 min, data block
     * 3 min, data termination 10 min; EHLO and QUIT 5 min; connect 30 s; opportunistic STARTTLS on,
     * certificate verification off.
     */
    public static SmtpClientSettings defaults() {
        Duration five = Duration.ofMinutes(5);
        return new SmtpClientSettings(
                Duration.ofSeconds(30),
                five,
                five,
                five,
                five,
                Duration.ofMinutes(2),
                Duration.ofMinutes(3),
                Duration.ofMinutes(10),
                five,
                true,
                false);
    }

    /** The same settings with every timeout (including connect) set to {@code timeout}. */
    public SmtpClientSettings withAllTimeouts(Duration timeout) {
        return new SmtpClientSettings(
                timeout,
                timeout,
                timeout,
                timeout,
                timeout,
                timeout,
                timeout,
                timeout,
                timeout,
                startTls,
                verifyCertificates);
    }

    public SmtpClientSettings withStartTls(boolean on) {
        return withTls(on, verifyCertificates);
    }

    public SmtpClientSettings withVerifyCertificates(boolean on) {
        return withTls(startTls, on);
    }

    private SmtpClientSettings withTls(boolean useStartTls, boolean verify) {
        return new SmtpClientSettings(
                connectTimeout,
                bannerTimeout,
                ehloTimeout,
                mailTimeout,
                rcptTimeout,
                dataInitTimeout,
                dataBlockTimeout,
                dataEndTimeout,
                quitTimeout,
                useStartTls,
                verify);
    }

    /** The timeout for waiting on a reply (or progress) in a phase. */
    public Duration timeout(SmtpException.Phase phase) {
        return switch (phase) {
            case CONNECT -> connectTimeout;
            case BANNER -> bannerTimeout;
            case EHLO, HELO, STARTTLS, TLS_HANDSHAKE, RSET -> ehloTimeout;
            case MAIL -> mailTimeout;
            case RCPT -> rcptTimeout;
            case DATA -> dataInitTimeout;
            case DATA_BLOCK -> dataBlockTimeout;
            case DATA_END -> dataEndTimeout;
            case QUIT, IDLE -> quitTimeout;
        };
    }
}
