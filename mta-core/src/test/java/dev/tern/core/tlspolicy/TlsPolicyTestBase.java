package dev.tern.core.tlspolicy;

import dev.tern.testkit.MutableClock;
import dev.tern.testkit.dns.TestDnsServer;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the end-to-end TLS policy tests stand on: a directory, a clock tests move (starting
 * 2026-12-01T10:00Z) and a test DNS server, started before each test and closed after it.
 */
abstract class TlsPolicyTestBase {
    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    TestDnsServer dns;

    @BeforeEach
    void startDns() throws Exception {
        dns = TestDnsServer.start();
    }

    @AfterEach
    void stopDns() {
        dns.close();
    }
}
