package dev.tern.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.config.TernConfig;
import dev.tern.core.testing.TestConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Builds test configurations (ephemeral ports, temporary spool) and reads the event log. */
final class TernHarness {

    private TernHarness() {}

    /** A config on ephemeral loopback ports, spool and events under {@code dir}, every domain routed to {@code sinkPort}. */
    static TernConfig config(Path dir, int sinkPort, String extraYaml) {
        return TestConfig.routedTo(dir, sinkPort, extraYaml);
    }

    static List<JsonNode> events(Path dir) {
        return TestConfig.events(TestConfig.eventLog(dir));
    }

    static byte[] message(int i, String from, String to, int bodyLines) {
        StringBuilder sb = new StringBuilder();
        sb.append("From: <").append(from).append(">\r\n");
        sb.append("To: <").append(to).append(">\r\n");
        sb.append("Subject: test message ").append(i).append("\r\n");
        sb.append("Message-ID: <m").append(i).append("@inject.test>\r\n");
        // a complete header section: Tern adds a missing Date (injection.headers.add_date), which this
        // byte-for-byte comparison would otherwise see
        sb.append("Date: Fri, 04 Dec 2026 12:00:00 +0000\r\n");
        sb.append("X-Tern-Campaign: camp-").append(i % 3).append("\r\n");
        sb.append("X-Folded: first part\r\n\tsecond part\r\n");
        sb.append("\r\n");
        for (int l = 0; l < bodyLines; l++) {
            if (l % 7 == 0) sb.append(".leading dot line ").append(l).append("\r\n");
            else
                sb.append("body line ")
                        .append(l)
                        .append(" of message ")
                        .append(i)
                        .append(" \u00e9\u00e8\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The message as Tern should deliver it: without X-Tern-* headers and with Tern's Received header first. */
    static byte[] expectedDelivered(byte[] injected) {
        String s = new String(injected, StandardCharsets.UTF_8);
        return s.replaceAll("(?m)^X-Tern-[^\r\n]*\r\n", "").getBytes(StandardCharsets.UTF_8);
    }

    /** Strips Tern's Received header (the first field, possibly folded) from delivered data. */
    static byte[] withoutTraceHeader(byte[] delivered) {
        String s = new String(delivered, StandardCharsets.UTF_8);
        if (!s.startsWith("Received: "))
            throw new AssertionError("delivered message does not start with Tern's Received header");
        int end = 0;
        while (true) {
            int nl = s.indexOf("\r\n", end);
            end = nl + 2;
            if (end >= s.length() || (s.charAt(end) != ' ' && s.charAt(end) != '\t')) break;
        }
        return s.substring(end).getBytes(StandardCharsets.UTF_8);
    }
}
