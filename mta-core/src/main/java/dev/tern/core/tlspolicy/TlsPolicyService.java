package dev.tern.core.tlspolicy;

import dev.tern.core.config.OutboundTls;
import dev.tern.core.config.TernConfig;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound TLS policy machinery built from {@code delivery.tls}: the {@link TlsPolicies}
 * the delivery engine asks, MTA-STS with its cache, DANE lookups, TLS-RPT counts and the daily
 * report sender. A minute timer refreshes cached MTA-STS policies ahead of expiry, sends the
 * reports of finished days and flushes the counts to disk (also at close).
 */
public final class TlsPolicyService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TlsPolicyService.class);

    private final TlsPolicies policies;
    private final TlsReports reports;
    private final TlsReportSender sender;
    private final MtaSts sts;
    private final X509TrustManager trust;
    private final ScheduledExecutorService timer;

    private TlsPolicyService(
            TlsPolicies policies,
            TlsReports reports,
            TlsReportSender sender,
            MtaSts sts,
            X509TrustManager trust,
            boolean schedule) {
        this.policies = policies;
        this.reports = reports;
        this.sender = sender;
        this.sts = sts;
        this.trust = trust;
        if (schedule) {
            timer = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("tern-tls-policy").factory());
            timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.MINUTES);
        } else {
            timer = null;
        }
    }

    /**
     * Builds the service.
     *
     * @param submit  queues a report message (mailto: rua)
     * @param schedule run the minute timer (off in tests that drive {@link #sendDue()} themselves)
     */
    public static TlsPolicyService create(
            TernConfig config, Clock clock, TlsReportSender.Submitter submit, Supplier<String> ids, boolean schedule) {
        OutboundTls tc = config.delivery().tls();
        X509TrustManager trust = tc.trustStore() == null
                ? dev.tern.core.delivery.smtp.SmtpClient.defaultTrust()
                : loadTrust(tc.trustStore());
        SSLContext ssl = sslContext(trust);
        Executor blocking = Executors.newVirtualThreadPerTaskExecutor();
        List<InetSocketAddress> servers = config.dns().servers().stream()
                .map(h -> new InetSocketAddress(h.host(), h.port()))
                .toList();
        PolicyDns.Dnssec dnssec =
                PolicyDns.Dnssec.valueOf(tc.dane().validation().name());
        String anchors = "";
        if (dnssec == PolicyDns.Dnssec.VALIDATE) {
            try {
                anchors = Files.readString(tc.dane().trustAnchors());
            } catch (IOException e) {
                throw new IllegalStateException("cannot read delivery.tls.dane.trust_anchors: " + e.getMessage(), e);
            }
        }
        PolicyDns dns = new PolicyDns(servers, dnssec, anchors, tc.dane().timeout(), clock, blocking);
        OutboundTls.MtaSts sc = tc.mtaSts();
        MtaSts sts = new MtaSts(
                dns,
                new StsFetcher(ssl, sc.httpsPort(), sc.fetchTimeout(), (int)
                        sc.maxPolicySize().bytes()),
                sc.cacheFile(),
                clock,
                blocking);
        OutboundTls.Report rc = tc.report();
        String host = config.server().hostname();
        TlsReports reports = null;
        TlsReportSender sender = null;
        if (rc.enabled()) {
            String org = rc.organizationName().isEmpty() ? host : rc.organizationName();
            reports = new TlsReports(
                    rc.directory(),
                    new TlsReports.Identity(org, rc.contactInfo().isEmpty() ? "postmaster@" + host : rc.contactInfo()),
                    clock);
            sender = new TlsReportSender(
                    reports,
                    dns,
                    submit,
                    ssl,
                    rc.httpsTimeout(),
                    rc.sendDelay(),
                    rc.from().isEmpty() ? "noreply-tlsrpt@" + host : rc.from(),
                    host,
                    clock,
                    ids,
                    org);
        }
        return new TlsPolicyService(new TlsPolicies(tc, dns, sts, reports), reports, sender, sts, trust, schedule);
    }

    /**
     * A submitter that DKIM-signs the message with {@code signer} for the domain of its sender,
     * stores it in the spool (due now) and wakes the queue manager.
     */
    public static TlsReportSender.Submitter spoolSubmitter(
            Spool spool,
            Runnable wake,
            Clock clock,
            Duration maxAge,
            Supplier<String> ids,
            TlsReportSender.Signer signer) {
        return (from, to, unsigned) -> {
            String signatures = signer.signatureFields(unsigned, from.substring(from.lastIndexOf('@') + 1));
            byte[] message = unsigned;
            if (!signatures.isEmpty()) {
                byte[] top = signatures.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                message = new byte[top.length + unsigned.length];
                System.arraycopy(top, 0, message, 0, top.length);
                System.arraycopy(unsigned, 0, message, top.length, unsigned.length);
            }
            String id = ids.get();
            long now = clock.millis();
            String domain = to.substring(to.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
            Envelope env = new Envelope(
                    id,
                    from,
                    "",
                    "",
                    "",
                    false,
                    now,
                    now + maxAge.toMillis(),
                    message.length,
                    Map.of("client", "tls-rpt"));
            spool.store(env, message, List.of(new QueueEntry(env, domain, List.of(RecipientState.pending(to)), 0, now)))
                    .join();
            wake.run();
            return id;
        };
    }

    private void tick() {
        try {
            refreshStsPolicies();
        } catch (RuntimeException e) {
            log.warn("MTA-STS refresh: {}", e.toString());
        }
        if (reports == null) return;
        try {
            sendDue();
            reports.flush();
        } catch (RuntimeException e) {
            log.warn("TLS-RPT: {}", e.toString());
        }
    }

    /** Refreshes cached MTA-STS policies past half their max_age (the minute timer does this too). */
    public List<String> refreshStsPolicies() {
        return sts == null ? List.of() : sts.refreshDue();
    }

    /** Sends the reports of finished days now (the minute timer does this too). */
    public List<TlsReportSender.Sent> sendDue() {
        return sender == null ? List.of() : sender.sendDue();
    }

    public TlsPolicies policies() {
        return policies;
    }

    /** The TLS-RPT counts, or null when reports are off. */
    public TlsReports reports() {
        return reports;
    }

    /** The trust manager of verify and MTA-STS (for the SMTP client). */
    public X509TrustManager trust() {
        return trust;
    }

    static X509TrustManager loadTrust(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in))
                ks.setCertificateEntry("ca-" + i++, c);
            if (i == 0) throw new IllegalStateException("delivery.tls.trust_store " + pem + " holds no certificate");
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(ks);
            for (TrustManager tm : f.getTrustManagers()) if (tm instanceof X509TrustManager x) return x;
            throw new IllegalStateException("no X509 trust manager");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read delivery.tls.trust_store " + pem + ": " + e.getMessage(), e);
        }
    }

    static SSLContext sslContext(X509TrustManager trust) {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {trust}, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (timer != null) timer.shutdownNow();
        if (reports != null) reports.flush();
    }
}
