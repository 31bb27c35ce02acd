package dev.tern.bench.bounce;

import dev.tern.bounce.arf.ArfParser;
import dev.tern.bounce.arf.FeedbackReport;
import dev.tern.bounce.dsn.BounceParser;
import dev.tern.bounce.dsn.BounceReport;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Throughput of parsing and classifying returned mail: an RFC 3464 DSN, an Exim text bounce and an ARF report. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DsnParseBenchmark {
    private static final byte[] DSN = """
            From: MAILER-DAEMON@mx.sender.example (Mail Delivery System)
            To: b-k0000@bounces.sender.example
            Subject: Undelivered Mail Returned to Sender
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

            --B1
            Content-Type: text/plain; charset=us-ascii

            This is the mail system at host mx.sender.example.
            I'm sorry to have to inform you that your message could not
            be delivered to one or more recipients.

            <user@example.org>: host mx.example.org[192.0.2.5] said: 550 5.1.1
                <user@example.org>: Recipient address rejected: User unknown in virtual
                mailbox table (in reply to RCPT TO command)
            --B1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.sender.example
            Arrival-Date: Fri, 13 Feb 2015 02:47:48 +0000 (UTC)

            Final-Recipient: rfc822; user@example.org
            Action: failed
            Status: 5.1.1
            Remote-MTA: dns; mx.example.org
            Diagnostic-Code: smtp; 550 5.1.1 <user@example.org>: Recipient address
                rejected: User unknown in virtual mailbox table
            --B1
            Content-Type: text/rfc822-headers

            From: news@sender.example
            To: user@example.org
            Subject: Hello
            X-Tern-Id: 01J0000000000000000000TERN
            --B1--
            """.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EXIM = """
            From: Mail Delivery System <Mailer-Daemon@mx.example.net>
            To: news@sender.example
            Subject: Mail delivery failed: returning message to sender
            X-Failed-Recipients: user@example.net

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              user@example.net
                SMTP error from remote mail server after RCPT TO:<user@example.net>:
                host mx.example.net [192.0.2.9]: 552 5.2.2 mailbox full

            ------ This is a copy of the message, including all the headers. ------

            From: news@sender.example
            To: user@example.net
            Subject: Hello
            """.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ARF = """
            From: fbl@isp.example
            To: fbl@sender.example
            Subject: FW: Hello
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report; boundary="F1"

            --F1
            Content-Type: text/plain

            This is an email abuse report.
            --F1
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: SomeGenerator/1.0
            Version: 1
            Original-Mail-From: <b-k0000@bounces.sender.example>
            Original-Rcpt-To: <user@isp.example>
            Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT
            Source-IP: 192.0.2.1

            --F1
            Content-Type: message/rfc822

            From: news@sender.example
            To: user@isp.example
            Subject: Hello
            X-Tern-Id: 01J0000000000000000000TERN

            Body
            --F1--
            """.getBytes(StandardCharsets.US_ASCII);

    private final BounceParser parser = BounceParser.shipped();
    private final ArfParser arf = new ArfParser();

    @Benchmark
    public BounceReport rfc3464Dsn() {
        return parser.parse(DSN);
    }

    @Benchmark
    public BounceReport eximTextBounce() {
        return parser.parse(EXIM);
    }

    @Benchmark
    public Optional<FeedbackReport> arfReport() {
        return arf.parse(ARF);
    }
}
