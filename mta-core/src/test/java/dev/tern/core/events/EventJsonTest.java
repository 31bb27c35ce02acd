package dev.tern.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The event log's own line writer must write exactly what Jackson writes for the same event. */
class EventJsonTest {

    /** The line as the log wrote it before EventJson: the seq, then Jackson's object without its '{'. */
    private static String jacksonLine(Event e, long seq) throws Exception {
        byte[] json = JsonLinesEventLog.JSON.writeValueAsBytes(e);
        return "{\"seq\":" + seq + (json.length > 2 ? "," : "")
                + new String(json, 1, json.length - 1, StandardCharsets.UTF_8) + "\n";
    }

    private static String ownLine(Event e, long seq) throws Exception {
        EventJson w = new EventJson();
        w.line(e, seq);
        return new String(w.bytes(), 0, w.length(), StandardCharsets.UTF_8);
    }

    @Property(tries = 400)
    void sameBytesAsJackson(@ForAll("events") Event e, @ForAll("seqs") long seq) throws Exception {
        assertThat(ownLine(e, seq)).isEqualTo(jacksonLine(e, seq));
    }

    /**
     * One writer for a run of events whose fields repeat (as they do in a log: the same sender, site,
     * reply...), mixed with values that need escaping: a value copied from the writer's memory of the
     * last one is the same bytes as Jackson's.
     */
    @Property(tries = 200)
    void repeatedValuesSameBytesAsJackson(@ForAll("runs") List<Event> run) throws Exception {
        EventJson w = new EventJson();
        long seq = 1;
        for (Event e : run) {
            w.line(e, seq);
            assertThat(new String(w.bytes(), 0, w.length(), StandardCharsets.UTF_8))
                    .isEqualTo(jacksonLine(e, seq));
            seq++;
        }
    }

    @Provide
    Arbitrary<List<Event>> runs() {
        Arbitrary<String> value = Arbitraries.of(
                        "a@b.test",
                        "route:127.0.0.1:2525",
                        "250 2.0.0 Ok: queued as 1A2B/3",
                        "q\"uote",
                        "back\\slash",
                        "tab\tnl\n",
                        "\u007f",
                        "ü",
                        "x".repeat(600),
                        "r\ud800x",
                        "")
                .injectNull(0.2);
        Arbitrary<HostAttempt> host = Combinators.combine(value, value, value)
                .as((h, ip, r) -> new HostAttempt(h, ip, 25, HostAttempt.Outcome.DELIVERED, r, null, null, ip));
        Arbitrary<Event> event = Combinators.combine(
                        Arbitraries.of(EventType.class),
                        value,
                        value,
                        value,
                        value,
                        value,
                        host.list().ofMaxSize(2))
                .as((k, id, r, a, b, c, hosts) -> Event.of(k, id, r)
                        .time(Instant.EPOCH)
                        .sender(a)
                        .site(b)
                        .remote(b)
                        .reply(c)
                        .tlsPolicy(a)
                        .client(c)
                        .hosts(hosts.isEmpty() ? null : hosts)
                        .build());
        return event.list().ofMinSize(1).ofMaxSize(12);
    }

    @Test
    void everyFieldEscapesAndNestedListsAsJackson() throws Exception {
        Event e = Event.of(EventType.BOUNCE, "m\"1", "r\\@x.test")
                .time(Instant.parse("2026-01-02T03:04:05.000000123Z"))
                .sender("s\u0001\u001f\b\f\n\r\t@y.test")
                .tenant("té")
                .campaign("日本")
                .pool("😀")
                .source("\u007f\u0080\u07ff\u0800\uffff")
                .site("mx:x.test")
                .remote("192.0.2.2:25")
                .reply("550 5.1.1 <x> \"unknown\"")
                .reason("bad-mailbox")
                .bounceClass("bad-mailbox")
                .hard(true)
                .attempts(Integer.MAX_VALUE)
                .size(Long.MAX_VALUE)
                .client("::1")
                .feedbackType("abuse")
                .suppressed("pending")
                .headerMessageId("<a@b>")
                .meta(Map.of("k", "v\"", "a", "ü"))
                .tlsPolicy("dane")
                .hosts(List.of(
                        new HostAttempt(null, "192.0.2.1", 25, HostAttempt.Outcome.TIMEOUT, "t/o", null, null, null),
                        new HostAttempt(
                                "mx", "192.0.2.2", 2525, HostAttempt.Outcome.BOUNCED, "550", "TLSv1.3", "A", "x")))
                .build();
        assertThat(ownLine(e, 1)).isEqualTo(jacksonLine(e, 1));
        Event bare = Event.of(EventType.CAMPAIGN_PAUSED, null, null).time(null).build();
        assertThat(ownLine(bare, 0))
                .isEqualTo(jacksonLine(bare, 0))
                .isEqualTo("{\"seq\":0,\"type\":\"campaign_paused\"}\n");
        Event numbers = Event.of(EventType.DELIVERY, "m", "r")
                .time(Instant.EPOCH)
                .size(-5)
                .attempts(0)
                .build();
        assertThat(ownLine(numbers, 10)).isEqualTo(jacksonLine(numbers, 10));
    }

    @Test
    void surrogatesAndReuseAsJackson() throws Exception {
        EventJson w = new EventJson();
        for (String r : List.of("r\ud800x", "r\udc00", "r\ud83d\ude00", "plain")) {
            Event e = Event.of(EventType.DELIVERY, "m", r).time(Instant.EPOCH).build();
            w.line(e, 7);
            assertThat(new String(w.bytes(), 0, w.length(), StandardCharsets.UTF_8))
                    .as(
                            "recipient %s",
                            r.codePoints().mapToObj(Integer::toHexString).toList())
                    .isEqualTo(jacksonLine(e, 7));
        }
    }

    @Provide
    Arbitrary<Long> seqs() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(0, 1_000_000), Arbitraries.longs().greaterOrEqual(0));
    }

    @Provide
    Arbitrary<Event> events() {
        Arbitrary<String> text = Arbitraries.oneOf(
                        Arbitraries.strings().ofMaxLength(30),
                        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30),
                        Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(10))
                .filter(s -> s.chars().noneMatch(c -> Character.isSurrogate((char) c)))
                .injectNull(0.4);
        Arbitrary<Instant> time = Arbitraries.longs()
                .between(0, 4_000_000_000L)
                .flatMap(sec -> Arbitraries.integers()
                        .between(0, 999_999_999)
                        .map(nano -> Instant.ofEpochSecond(
                                sec, nano % 3 == 0 ? 0 : nano % 3 == 1 ? nano / 1000 * 1000 : nano)))
                .injectNull(0.1);
        Arbitrary<HostAttempt> host = Combinators.combine(
                        text,
                        text,
                        Arbitraries.integers().between(0, 65535),
                        Arbitraries.of(HostAttempt.Outcome.class).injectNull(0.3),
                        text,
                        text)
                .as((h, ip, port, o, r, v) -> new HostAttempt(h, ip, port, o, r, v, v == null ? null : "c", r));
        Arbitrary<Map<String, String>> meta = Arbitraries.maps(
                        Arbitraries.strings()
                                .withCharRange('a', 'z')
                                .ofMinLength(1)
                                .ofMaxLength(5),
                        text.filter(s -> s != null))
                .ofMaxSize(3);
        return Combinators.combine(
                        Arbitraries.of(EventType.class),
                        time,
                        text,
                        text,
                        text,
                        text,
                        text,
                        Arbitraries.integers().between(-1, 5).injectNull(0.5))
                .flatAs((k, t, id, r, a, b, c, n) -> Combinators.combine(
                                meta,
                                host.list().ofMaxSize(3),
                                Arbitraries.of(true, false).injectNull(0.5),
                                Arbitraries.longs().injectNull(0.5))
                        .as((m, hosts, hard, size) -> {
                            Event.Builder e = Event.of(k, id, r)
                                    .time(t)
                                    .sender(a)
                                    .tenant(b)
                                    .campaign(c)
                                    .pool(a)
                                    .source(b)
                                    .site(c)
                                    .remote(a)
                                    .reply(b)
                                    .reason(c)
                                    .bounceClass(a)
                                    .client(b)
                                    .feedbackType(c)
                                    .suppressed(a)
                                    .headerMessageId(b)
                                    .meta(m)
                                    .tlsPolicy(c)
                                    .hosts(hosts);
                            if (hard != null) e.hard(hard);
                            if (n != null) e.attempts(n);
                            if (size != null) e.size(size);
                            return e.build();
                        }));
    }
}
