package dev.tern.testkit.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.testkit.dns.TestDnsServer.Transport;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

class TestDnsServerTest {

    private TestDnsServer dns;

    @BeforeEach
    void start() throws IOException {
        dns = TestDnsServer.start();
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private Message query(String name, int type, boolean tcp) throws Exception {
        SimpleResolver resolver = new SimpleResolver(dns.address());
        resolver.setTCP(tcp);
        resolver.setTimeout(Duration.ofSeconds(2));
        Message query = Message.newQuery(Record.newRecord(Name.fromString(name + "."), type, DClass.IN));
        return resolver.sendAsync(query).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void answersOverUdpAndTcpOnTheSamePort() throws Exception {
        dns.mx("example.com", 10, "mx1.example.com", 300).a("mx1.example.com", "127.0.0.2", 60);

        for (boolean tcp : new boolean[] {false, true}) {
            Message mx = query("example.com", Type.MX, tcp);
            assertThat(mx.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(mx.getHeader().getFlag(Flags.AA)).isTrue();
            List<Record> answer = mx.getSection(Section.ANSWER);
            assertThat(answer).hasSize(1);
            MXRecord record = (MXRecord) answer.get(0);
            assertThat(record.getPriority()).isEqualTo(10);
            assertThat(record.getTarget()).hasToString("mx1.example.com.");
            assertThat(record.getTTL()).isEqualTo(300);

            Message a = query("MX1.Example.COM", Type.A, tcp);
            assertThat(((ARecord) a.getSection(Section.ANSWER).get(0))
                            .getAddress()
                            .getHostAddress())
                    .isEqualTo("127.0.0.2");
        }
        assertThat(dns.queryCount("example.com", Type.MX, Transport.UDP)).isEqualTo(1);
        assertThat(dns.queryCount("example.com", Type.MX, Transport.TCP)).isEqualTo(1);
        assertThat(dns.queryCount("mx1.example.com")).isEqualTo(2);
        assertThat(dns.totalQueries()).isEqualTo(4);
    }

    @Test
    void unknownNameIsNxdomainWithSoaAndKnownNameWithoutTypeIsNodata() throws Exception {
        dns.negativeTtl(42).a("host.example.com", "127.0.0.3", 60);

        Message nx = query("missing.example.com", Type.MX, false);
        assertThat(nx.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        SOARecord soa = (SOARecord) nx.getSection(Section.AUTHORITY).get(0);
        assertThat(soa.getMinimum()).isEqualTo(42);
        assertThat(soa.getName()).hasToString("example.com.");

        Message nodata = query("host.example.com", Type.AAAA, false);
        assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
        assertThat(nodata.getSection(Section.AUTHORITY)).hasSize(1);

        Message emptyNonTerminal = query("example.com", Type.A, false);
        assertThat(emptyNonTerminal.getRcode()).isEqualTo(Rcode.NOERROR);

        dns.nxdomain("host.example.com");
        assertThat(query("host.example.com", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void nullMxIsMxZeroDot() throws Exception {
        dns.nullMx("nomail.example", 3600);
        MXRecord mx = (MXRecord) query("nomail.example", Type.MX, false)
                .getSection(Section.ANSWER)
                .get(0);
        assertThat(mx.getPriority()).isZero();
        assertThat(mx.getTarget()).isEqualTo(Name.root);
    }

    @Test
    void servfailAndHeal() throws Exception {
        dns.a("flaky.example", "127.0.0.4", 60).servfail("flaky.example");
        assertThat(query("flaky.example", Type.A, false).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(query("flaky.example", Type.A, true).getRcode()).isEqualTo(Rcode.SERVFAIL);

        dns.heal("flaky.example").servfail("flaky.example", Type.AAAA);
        assertThat(query("flaky.example", Type.A, false).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(query("flaky.example", Type.AAAA, false).getRcode()).isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void noAnswerTimesOutButIsLogged() throws Exception {
        dns.a("silent.example", "127.0.0.5", 60).noAnswer("silent.example");
        SimpleResolver resolver = new SimpleResolver(dns.address());
        resolver.setTimeout(Duration.ofMillis(300));
        Message query = Message.newQuery(Record.newRecord(Name.fromString("silent.example."), Type.A, DClass.IN));
        CompletableFuture<Message> answer = resolver.sendAsync(query).toCompletableFuture();
        assertThatThrownBy(() -> answer.get(250, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThatThrownBy(() -> answer.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThat(dns.queryCount("silent.example", Type.A)).isEqualTo(1);
    }

    @Test
    void cnameChainIsChasedInsideTheZoneOrLeftToTheClient() throws Exception {
        dns.cname("www.example.com", "alias.example.net", 120)
                .cname("alias.example.net", "host.example.org", 60)
                .aaaa("host.example.org", "::1", 30);

        List<Record> chased = query("www.example.com", Type.AAAA, false).getSection(Section.ANSWER);
        assertThat(chased).extracting(Record::getType).containsExactly(Type.CNAME, Type.CNAME, Type.AAAA);
        assertThat(((AAAARecord) chased.get(2)).getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");

        dns.chaseCnames(false);
        List<Record> single = query("www.example.com", Type.AAAA, false).getSection(Section.ANSWER);
        assertThat(single).extracting(Record::getType).containsExactly(Type.CNAME);
    }

    @Test
    void largeUdpAnswerIsTruncatedAndTheClientRetriesOverTcp() throws Exception {
        for (int i = 1; i <= 120; i++) {
            dns.a("many.example", "127.0.1." + i, 60);
        }
        SimpleResolver resolver = new SimpleResolver(dns.address());
        resolver.setIgnoreTruncation(true);
        Message query = Message.newQuery(Record.newRecord(Name.fromString("many.example."), Type.A, DClass.IN));
        Message truncated = resolver.sendAsync(query).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(truncated.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(truncated.getSection(Section.ANSWER)).hasSizeLessThan(120);

        Message full = query("many.example", Type.A, false);
        assertThat(full.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(full.getSection(Section.ANSWER)).hasSize(120);
        assertThat(dns.queryCount("many.example", Type.A, Transport.UDP)).isEqualTo(2);
        assertThat(dns.queryCount("many.example", Type.A, Transport.TCP)).isEqualTo(1);
    }

    @Test
    void forcedTruncationSendsEveryUdpClientToTcp() throws Exception {
        dns.mx("big.example", 10, "mx.big.example", 60).truncateUdp("big.example");
        Message answer = query("big.example", Type.MX, false);
        assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
        assertThat(dns.queryCount("big.example", Type.MX, Transport.UDP)).isEqualTo(1);
        assertThat(dns.queryCount("big.example", Type.MX, Transport.TCP)).isEqualTo(1);
    }

    @Test
    void runtimeChangesAreServedImmediately() throws Exception {
        dns.a("host.example", "127.0.0.6", 1);
        dns.remove("host.example", Type.A).a("host.example", "127.0.0.7", 1);
        List<Record> answer = query("host.example", Type.A, false).getSection(Section.ANSWER);
        assertThat(answer)
                .singleElement()
                .extracting(r -> ((ARecord) r).getAddress().getHostAddress())
                .isEqualTo("127.0.0.7");
    }

    @Test
    void delayedAnswerArrivesLater() throws Exception {
        dns.a("slow.example", "127.0.0.8", 60).delay("slow.example", Duration.ofMillis(300));
        SimpleResolver resolver = new SimpleResolver(dns.address());
        Message query = Message.newQuery(Record.newRecord(Name.fromString("slow.example."), Type.A, DClass.IN));
        CompletableFuture<Message> answer = resolver.sendAsync(query).toCompletableFuture();
        assertThatThrownBy(() -> answer.get(100, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(answer.get(5, TimeUnit.SECONDS).getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void malformedPacketsAreIgnoredAndCloseFreesThePort() throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            byte[] junk = {1, 2, 3};
            socket.send(new DatagramPacket(junk, junk.length, dns.address()));
        }
        dns.a("ok.example", "127.0.0.9", 60);
        assertThat(query("ok.example", Type.A, false).getRcode()).isEqualTo(Rcode.NOERROR);

        dns.close();
        assertThatThrownBy(() -> {
                    try (Socket socket = new Socket(dns.address().getAddress(), dns.port())) {
                        socket.getInputStream().read();
                    }
                })
                .isInstanceOf(IOException.class);
    }
}
