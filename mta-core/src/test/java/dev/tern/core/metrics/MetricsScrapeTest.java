package dev.tern.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.admin.TernFixture;
import dev.tern.core.events.EventType;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Traffic through an in-process Tern; /metrics scraped over HTTP while and after it flows. */
class MetricsScrapeTest {
    @TempDir
    Path dir;

    @Test
    void countersFollowEventsAndTheScrapePassesPromtool() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            // one domain bounces, one defers, the rest is delivered
            sink.onRcpt(rcpt -> rcpt.contains("@bounce.test")
                    ? "550 5.1.1 no such user"
                    : rcpt.contains("@defer.test") ? "451 4.7.1 try later" : null);
            try (TernFixture f = new TernFixture(dir, sink.port())) {
                List<String> rcpts = new ArrayList<>();
                for (int i = 0; i < 30; i++) rcpts.add("r" + i + "@dest" + (i % 3) + ".test");
                f.inject(rcpts.subList(0, 15), "tenant-a", "spring");
                String during = f.scrape(); // while traffic flows
                assertThat(during).contains("tern_recipients_injected_total");
                f.inject(rcpts.subList(15, 30), "tenant-b", null);
                f.inject(List.of("x1@bounce.test", "x2@bounce.test", "y1@defer.test"), "tenant-a", null);

                await().atMost(Duration.ofSeconds(20))
                        .until(() -> f.count(EventType.DELIVERY) == 30
                                && f.count(EventType.BOUNCE) == 2
                                && f.count(EventType.TRANSIENT_FAILURE) == 1);
                // meters follow the event log a moment later (the event is written first)
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    String s = f.scrape();
                    return sum(s, "tern_recipients_delivered_total", "") == 30
                            && sum(s, "tern_delivery_latency_seconds_count", "") == 30
                            && sum(s, "tern_recipients_bounced_total", "") == 2
                            && sum(s, "tern_recipients_deferred_total", "") == 1;
                });
                String scrape = f.scrape();

                assertThat(sum(scrape, "tern_recipients_delivered_total", "")).isEqualTo(f.count(EventType.DELIVERY));
                assertThat(sum(scrape, "tern_recipients_injected_total", ""))
                        .isEqualTo(f.count(EventType.RECEPTION))
                        .isEqualTo(33);
                assertThat(sum(scrape, "tern_recipients_injected_total", "tenant=\"tenant-a\""))
                        .isEqualTo(18);
                assertThat(sum(scrape, "tern_recipients_bounced_total", "reason_class=\"bad-mailbox\""))
                        .isEqualTo(2);
                assertThat(sum(scrape, "tern_recipients_deferred_total", "")).isEqualTo(1);
                assertThat(sum(scrape, "tern_delivery_latency_seconds_count", ""))
                        .isEqualTo(30);
                assertThat(scrape).contains("tern_delivery_latency_seconds_bucket{le=\"");
                // path meters: injection latency, SMTP transaction time, group commits, TLS outcome
                assertThat(sum(scrape, "tern_injection_latency_seconds_count", ""))
                        .isGreaterThan(0);
                assertThat(sum(scrape, "tern_smtp_transaction_duration_seconds_count", ""))
                        .isGreaterThanOrEqualTo(30);
                assertThat(sum(scrape, "tern_spool_sync_duration_seconds_count", ""))
                        .isGreaterThan(0);
                assertThat(sum(scrape, "tern_spool_commit_writes_count", "")).isGreaterThan(0);
                assertThat(sum(scrape, "tern_outbound_sessions_total", "tls=\"none\""))
                        .isGreaterThan(0);
                // spool stats are cached for a second: the deferred entry is what stays
                await().atMost(Duration.ofSeconds(5)).until(() -> sum(f.scrape(), "tern_spool_entries", "") == 1);
                assertThat(scrape)
                        .contains("tern_destination_ready{destination=\"route:127.0.0.1:" + sink.port() + "\"}");
                assertThat(scrape)
                        .contains(
                                "tern_outbound_connections",
                                "tern_queue_in_flight",
                                "tern_spool_body_bytes",
                                "jvm_memory_used_bytes",
                                "jvm_gc_",
                                "process_cpu_usage",
                                "jvm_threads_live_threads",
                                "process_uptime_seconds");
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> sum(f.scrape(), "tern_queue_oldest_message_age_seconds", "") >= 0);

                promtool(scrape);
            }
        }
    }

    /** Sum of every sample of a metric whose labels contain {@code labelFilter}. */
    static double sum(String scrape, String metric, String labelFilter) {
        Pattern p = Pattern.compile("(?m)^" + Pattern.quote(metric) + "(\\{[^}]*\\})? (\\S+)$");
        Matcher m = p.matcher(scrape);
        double total = 0;
        boolean any = false;
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (!labels.contains(labelFilter)) continue;
            total += Double.parseDouble(m.group(2));
            any = true;
        }
        if (!any) throw new AssertionError("no sample of " + metric + " with " + labelFilter);
        return total;
    }

    static void promtool(String scrape) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        Assumptions.assumeTrue(Files.isExecutable(promtool), "promtool is not installed");
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        try (var in = p.getOutputStream()) {
            in.write(scrape.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("promtool check metrics output").isBlank();
        assertThat(p.exitValue()).as("promtool exit status; output: %s", out).isZero();
    }
}
