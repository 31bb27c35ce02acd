package dev.tern.bench.bounce;

import dev.tern.bounce.Classification;
import dev.tern.bounce.classify.ReplyClassifier;
import dev.tern.bounce.classify.SmtpReply;
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

/** Throughput of classifying one SMTP reply with the shipped rules (a mix of common provider replies). */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ReplyClassifierBenchmark {
    private static final SmtpReply[] REPLIES = {
        SmtpReply.parse(
                "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. gsmtp",
                "RCPT"),
        SmtpReply.parse("552 5.2.2 The email account that you tried to reach is over quota. gsmtp", "RCPT"),
        SmtpReply.parse(
                "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1",
                "MAIL"),
        SmtpReply.parse(
                "550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 (AS3130) [BN8NAM12FT041.eop-nam12.prod.protection.outlook.com]",
                "RCPT"),
        SmtpReply.parse(
                "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.",
                "MAIL"),
        SmtpReply.parse(
                "554 5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes",
                "DATA"),
        SmtpReply.parse(
                "450 4.2.0 <a@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
                "RCPT"),
        SmtpReply.parse("250 2.0.0 OK 1700000000 abc.123 - gsmtp", "DATA"),
    };
    private final ReplyClassifier classifier = ReplyClassifier.shipped();
    private int next;

    @Benchmark
    public Classification classify() {
        SmtpReply reply = REPLIES[next];
        next = (next + 1) % REPLIES.length;
        return classifier.classify(reply);
    }
}
