package dev.tern.core.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.config.TernConfig;
import dev.tern.core.testing.TestConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Test configuration on loopback, the event log as JSON, and test messages. */
final class FeedbackFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FeedbackFixture() {}

    static TernConfig config(Path dir, int sinkPort, String extraYaml) {
        return TestConfig.routedTo(dir, sinkPort, extraYaml);
    }

    static List<JsonNode> events(Path file) {
        return TestConfig.events(file);
    }

    static List<JsonNode> events(Path file, String type) throws IOException {
        return events(file).stream()
                .filter(e -> e.get("type").asText().equals(type))
                .toList();
    }

    static byte[] message(String from, String to, String extraHeaders, String body) {
        return ("From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: hello\r\nMessage-ID: <" + Math.abs(to.hashCode())
                        + "." + System.nanoTime() + "@inject.test>\r\n" + extraHeaders + "\r\n" + body + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}
