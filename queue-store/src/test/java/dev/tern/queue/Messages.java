package dev.tern.queue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Builds test messages. */
final class Messages {
    private Messages() {}

    static Envelope envelope(String id) {
        return new Envelope(
                id,
                "bounce@sender.example",
                "t1",
                "spring",
                "pool-a",
                false,
                1_000L,
                90_000_000L,
                100,
                Map.of("dkim", "pass"));
    }

    static byte[] body(String id) {
        return ("Subject: test " + id + "\r\n\r\nHello " + id + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** One entry per domain, recipients "user@domain" ... */
    static List<QueueEntry> entries(Envelope env, long at, String... domains) {
        List<QueueEntry> out = new ArrayList<>();
        for (String d : domains) {
            out.add(new QueueEntry(
                    env, d, List.of(RecipientState.pending("a@" + d), RecipientState.pending("b@" + d)), 0, at));
        }
        return out;
    }

    static SpoolSettings settings(java.nio.file.Path dir) {
        return new SpoolSettings(dir, true, 0, SpoolSettings.Tuning.defaults(), SpoolObserver.NONE);
    }

    static List<String> ids(List<QueueEntry> entries) {
        return entries.stream().map(e -> e.messageId() + "/" + e.domain()).toList();
    }

    static boolean sameBytes(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
