package dev.tern.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromScrapeTest {
    private static final String TEXT = """
      # HELP tern_messages_bounced_total Bounced
      # TYPE tern_messages_bounced_total counter
      tern_messages_bounced_total{pool="none",reason_class="bad-mailbox",tenant="none"} 12.0
      tern_messages_bounced_total{pool="none",reason_class="other",tenant="none"} 3.0
      tern_spool_entries 44.0
      jvm_memory_used_bytes{area="heap",id="ZGC Young Generation"} 1048576.0
      jvm_memory_used_bytes{area="heap",id="ZGC Old Generation"} 2097152.0
      jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 9.9E7
      """;

    @Test
    void sumsSeriesByNameAndLabels() {
        PromScrape p = PromScrape.parse(TEXT);
        assertThat(p.sum("tern_messages_bounced_total")).isEqualTo(15.0);
        assertThat(p.sum("tern_spool_entries")).isEqualTo(44.0);
        assertThat(p.sum("jvm_memory_used_bytes", "area=\"heap\"")).isEqualTo(3145728.0);
        assertThat(p.sum("tern_messages_delivered_total")).isNaN();
    }
}
