package dev.tern.core.tlspolicy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the TLS-RPT aggregate reports of finished days (RFC 8460 section 5): for each policy
 * domain, the {@code rua} of its {@code _smtp._tls.DOMAIN} TXT record ({@code v=TLSRPTv1;}) gets
 * the gzipped JSON report, by mail through Tern itself ({@code mailto:}, a {@code multipart/report;
 * report-type="tlsrpt"} message with the {@code application/tlsrpt+gzip} attachment, section 5.3)
 * or by HTTPS POST ({@code https:}, section 5.4). A domain without a TLSRPT record has its results
 * dropped; a DNS failure keeps them for the next run.
 */
public final class TlsReportSender {
    private static final Logger log = LoggerFactory.getLogger(TlsReportSender.class);

    /** Puts a message into Tern's queue. */
    public interface Submitter {
        /** Queues {@code message} from {@code from} to {@code to}; returns the queue id. */
        String submit(String from, String to, byte[] message);
    }

    /**
     * DKIM-signs a report message before it is queued (RFC 8460 section 5.3: reports by mail are
     * DKIM-signed by the reporting domain): the {@code DKIM-Signature} fields to prepend, CRLF-terminated,
     * or "" when no key applies to {@code fromDomain}.
     */
    public interface Signer {
        String signatureFields(byte[] message, String fromDomain);

        /** Leaves messages unsigned. */
        Signer NONE = (message, fromDomain) -> "";
    }

    private final TlsReports reports;
    private final PolicyDns dns;
    private final Submitter mail;
    private final SSLContext tls;
    private final Duration httpsTimeout;
    private final Duration sendDelay;
    private final String from;
    private final String hostname;
    private final Clock clock;
    private final Supplier<String> ids;
    private final String organization;

    public TlsReportSender(
            TlsReports reports,
            PolicyDns dns,
            Submitter mail,
            SSLContext tls,
            Duration httpsTimeout,
            Duration sendDelay,
            String from,
            String hostname,
            Clock clock,
            Supplier<String> ids,
            String organization) {
        this.organization = organization;
        this.reports = reports;
        this.dns = dns;
        this.mail = mail;
        this.tls = tls;
        this.httpsTimeout = httpsTimeout;
        this.sendDelay = sendDelay;
        this.from = from;
        this.hostname = hostname;
        this.clock = clock;
        this.ids = ids;
    }

    /** One report sent: where, and its id. */
    public record Sent(String domain, LocalDate day, String rua, String reportId) {}

    /** Sends every report whose day is over (plus the send delay); returns what was sent. */
    public synchronized List<Sent> sendDue() {
        List<Sent> sent = new ArrayList<>();
        for (LocalDate day : reports.days()) {
            if (clock.instant().isBefore(TlsReports.sendableAt(day, sendDelay))) continue;
            for (String domain : reports.domains(day)) {
                List<String> txt;
                try {
                    txt = dns.txt("_smtp._tls." + domain).join();
                } catch (RuntimeException e) {
                    log.warn("TLS-RPT record of {}: {} (the report waits)", domain, PolicyDns.root(e));
                    continue;
                }
                List<String> rua = rua(txt);
                String reportId = day + "." + domain + "." + ids.get() + "@" + hostname;
                ObjectNode report = reports.report(domain, day, reportId);
                if (report != null && !rua.isEmpty()) {
                    byte[] gz = gzip(report);
                    for (String target : rua) {
                        try {
                            deliver(target, domain, day, reportId, gz);
                            sent.add(new Sent(domain, day, target, reportId));
                        } catch (IOException | RuntimeException e) {
                            log.warn("TLS-RPT report {} to {} failed: {}", reportId, target, e.toString());
                        }
                    }
                }
                reports.forget(day, domain);
            }
        }
        reports.flush();
        return sent;
    }

    private void deliver(String target, String domain, LocalDate day, String reportId, byte[] gz) throws IOException {
        if (target.regionMatches(true, 0, "mailto:", 0, 7)) {
            String to = java.net.URLDecoder.decode(target.substring(7), StandardCharsets.UTF_8);
            int q = to.indexOf('?');
            if (q >= 0) to = to.substring(0, q);
            if (!to.matches("[^@\\s<>]+@[A-Za-z0-9.\\-]+")) throw new IOException("bad mailto rua " + target);
            String id = mail.submit(from, to, message(to, domain, day, reportId, gz));
            log.info("TLS-RPT report {} for {} queued to {} as {}", reportId, domain, to, id);
        } else if (target.regionMatches(true, 0, "https:", 0, 6)) {
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(tls)
                    .connectTimeout(httpsTimeout)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
            HttpRequest req = HttpRequest.newBuilder(URI.create(target))
                    .timeout(httpsTimeout)
                    .header("Content-Type", "application/tlsrpt+gzip")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(gz))
                    .build();
            try {
                HttpResponse<Void> r = client.send(req, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() / 100 != 2) throw new IOException(target + " answered HTTP " + r.statusCode());
                log.info("TLS-RPT report {} for {} posted to {}", reportId, domain, target);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        } else {
            throw new IOException("unsupported rua scheme: " + target);
        }
    }

    /** The rua URIs of a TLSRPT TXT record set: exactly one {@code v=TLSRPTv1} record (RFC 8460 section 3). */
    static List<String> rua(List<String> txt) {
        List<String> found =
                txt.stream().filter(t -> t.strip().startsWith("v=TLSRPTv1")).toList();
        if (found.size() != 1) return List.of();
        for (String field : found.get(0).split(";")) {
            String f = field.strip();
            if (f.startsWith("rua=")) {
                List<String> out = new ArrayList<>();
                for (String u : f.substring(4).split(",")) if (!u.isBlank()) out.add(u.strip());
                return out.size() > 10 ? out.subList(0, 10) : out;
            }
        }
        return List.of();
    }

    static byte[] gzip(ObjectNode report) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            TlsReports.JSON.writeValue(gz, report);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** The report message (RFC 8460 section 5.3). */
    private byte[] message(String to, String domain, LocalDate day, String reportId, byte[] gz) {
        String boundary = "tlsrpt-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
        String org = organization;
        long start = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        long end = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond() - 1;
        String filename = org + "!" + domain + "!" + start + "!" + end + "!"
                + reportId.replaceAll("[^A-Za-z0-9.@_-]", "_") + ".json.gz";
        String date =
                DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
        StringBuilder m = new StringBuilder();
        m.append("From: ").append(from).append("\r\n");
        m.append("To: ").append(to).append("\r\n");
        m.append("Date: ").append(date).append("\r\n");
        m.append("Message-ID: <")
                .append(reportId.replace("@", "."))
                .append("@")
                .append(hostname)
                .append(">\r\n");
        m.append("Subject: Report Domain: ")
                .append(domain)
                .append(" Submitter: ")
                .append(org)
                .append(" Report-ID: <")
                .append(reportId)
                .append(">\r\n");
        m.append("TLS-Report-Domain: ").append(domain).append("\r\n");
        m.append("TLS-Report-Submitter: ").append(org).append("\r\n");
        m.append("MIME-Version: 1.0\r\n");
        m.append("Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n\tboundary=\"")
                .append(boundary)
                .append("\"\r\n\r\n");
        m.append("This is a multipart message in MIME format.\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        m.append("This is an aggregate TLS report (RFC 8460) from ")
                .append(org)
                .append(" for ")
                .append(domain)
                .append(", ")
                .append(day)
                .append(" (UTC).\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: application/tlsrpt+gzip\r\n");
        m.append("Content-Transfer-Encoding: base64\r\n");
        m.append("Content-Disposition: attachment;\r\n\tfilename=\"")
                .append(filename)
                .append("\"\r\n\r\n");
        String b64 = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(gz);
        m.append(b64).append("\r\n\r\n");
        m.append("--").append(boundary).append("--\r\n");
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
