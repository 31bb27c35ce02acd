package dev.tern.core.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV export/import of suppression lists over a real spool. */
class SuppressionCsvTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAndValidatesBeforeWriting() throws Exception {
        try (Spool spool =
                Spool.open(SpoolSettings.defaults(dir.resolve("spool")).withMinFreeDiskBytes(0))) {
            String csv = """
          address,reason,added_at
          Alice@Example.test,userunknown,2026-01-02T03:04:05Z
          "bob@example.test","manual, by request",
          # a comment

          carol@example.test
          """;
            long now = Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();
            assertThat(SuppressionCsv.importCsv(spool, "acme", new StringReader(csv), "import", now))
                    .isEqualTo(3);
            assertThat(spool.suppression("acme", "alice@example.test")
                            .orElseThrow()
                            .addedAt())
                    .isEqualTo(Instant.parse("2026-01-02T03:04:05Z").toEpochMilli());
            assertThat(spool.suppression("acme", "bob@example.test")
                            .orElseThrow()
                            .reason())
                    .isEqualTo("manual, by request");
            assertThat(spool.suppression("acme", "carol@example.test")
                            .orElseThrow()
                            .reason())
                    .isEqualTo("import");
            assertThat(spool.suppression("", "carol@example.test")).isEmpty();

            StringWriter out = new StringWriter();
            assertThat(SuppressionCsv.export(spool, "acme", out)).isEqualTo(3);
            assertThat(out.toString()).isEqualTo("""
          address,reason,added_at
          alice@example.test,userunknown,2026-01-02T03:04:05Z
          bob@example.test,"manual, by request",2026-11-23T00:00:00Z
          carol@example.test,import,2026-11-23T00:00:00Z
          """);
            // exported files import again unchanged
            try (Spool other =
                    Spool.open(SpoolSettings.defaults(dir.resolve("spool2")).withMinFreeDiskBytes(0))) {
                assertThat(SuppressionCsv.importCsv(other, "acme", new StringReader(out.toString()), "x", 0))
                        .isEqualTo(3);
                StringWriter again = new StringWriter();
                SuppressionCsv.export(other, "acme", again);
                assertThat(again.toString()).isEqualTo(out.toString());
            }

            assertThatThrownBy(() -> SuppressionCsv.importCsv(
                            spool, "t2", new StringReader("ok@x.test\nnot-an-address\n"), "m", now))
                    .hasMessage("line 2: not an address: 'not-an-address'");
            assertThat(spool.suppression("t2", "ok@x.test")).isEmpty(); // nothing written
        }
    }
}
