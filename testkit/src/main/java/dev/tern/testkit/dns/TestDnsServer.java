package dev.tern.testkit.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An in-process authoritative DNS server for tests. It answers real DNS packets over UDP and TCP
 * on 127.0.0.1, both transports on the same ephemeral {@link #port()}, from a zone built and
 * changed at run time:
 *
 * <pre>{@code
 * try (TestDnsServer dns = TestDnsServer.start()) {
 *   dns.mx("example.com", 10, "mx1.example.com", 300).a("mx1.example.com", "127.0.0.2", 300);
 *   dns.servfail("broken.example");      // SERVFAIL for every type
 *   dns.noAnswer("slow.example");        // never answered: the client times out
 *   dns.truncateUdp("big.example");      // TC bit over UDP: the client retries over TCP
 *   ... resolver pointed at dns.address() ...
 *   assertEquals(1, dns.queryCount("example.com", Type.MX));
 * }
 * }</pre>
 *
 * <p>Signed zones: records added with {@link #add(Record)} may include RRSIGs (for example made
 * with dnsjava's {@code DNSSEC.sign}); a query with the EDNS DO bit gets the RRSIGs covering the
 * answered set with it, so a validating resolver can check them.
 *
 * <p>Semantics: unknown names get NXDOMAIN, known names without the asked type get NOERROR with no
 * answer (NODATA); negative answers carry a synthetic SOA whose TTL and minimum are {@link
 * #negativeTtl(long)}. CNAMEs are followed inside the zone (like an authoritative server holding
 * both names) unless {@link #chaseCnames(boolean)} is off. UDP answers larger than the client's
 * EDNS payload size (512 bytes without EDNS) are truncated with the TC bit. Every query received,
 * answered or not, is logged ({@link #queries()}).
 */
public final class TestDnsServer implements AutoCloseable {

    /** The transport a query came over. */
    public enum Transport {
        UDP,
        TCP
    }

    /** One query as received: lower-case name without trailing dot, type (see {@link Type}). */
    public record Query(String name, int type, Transport transport, Instant receivedAt) {
        @Override
        public String toString() {
            return name + "/" + Type.string(type) + "/" + transport;
        }
    }

    /** The EDNS payload size the server advertises in its answers. */
    static final int EDNS_PAYLOAD = 1232;

    private static final Logger log = LoggerFactory.getLogger(TestDnsServer.class);
    private static final int MIN_UDP_PAYLOAD = 512;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final InetSocketAddress address;
    private final Zone zone = new Zone();
    private final ConcurrentLinkedQueue<Query> queries = new ConcurrentLinkedQueue<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    private TestDnsServer(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
        this.address = new InetSocketAddress(udp.getLocalAddress(), udp.getLocalPort());
    }

    /** Starts a server on 127.0.0.1 with an empty zone. */
    public static TestDnsServer start() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        IOException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
            ServerSocket tcp = new ServerSocket();
            try {
                tcp.setReuseAddress(true);
                tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()), 64);
            } catch (BindException e) {
                last = e;
                udp.close();
                tcp.close();
                continue;
            }
            TestDnsServer server = new TestDnsServer(udp, tcp);
            server.startThreads();
            return server;
        }
        throw new IOException("no port free for both UDP and TCP on 127.0.0.1", last);
    }

    private void startThreads() {
        Thread udpThread =
                Thread.ofPlatform().daemon().name("test-dns-udp-" + port()).start(this::serveUdp);
        Thread tcpThread =
                Thread.ofPlatform().daemon().name("test-dns-tcp-" + port()).start(this::serveTcp);
        threads.add(udpThread);
        threads.add(tcpThread);
    }

    /** The address both transports listen on. */
    public InetSocketAddress address() {
        return address;
    }

    /** The port both transports listen on. */
    public int port() {
        return address.getPort();
    }

    // ---- zone API ------------------------------------------------------------------------------

    /** Adds an MX record; {@code host} "." makes a null MX (RFC 7505). */
    public TestDnsServer mx(String domain, int preference, String host, long ttlSeconds) {
        return add(new MXRecord(name(domain), DClass.IN, ttlSeconds, preference, name(host)));
    }

    /** Publishes an RFC 7505 null MX ({@code MX 0 .}) for the domain. */
    public TestDnsServer nullMx(String domain, long ttlSeconds) {
        return mx(domain, 0, ".", ttlSeconds);
    }

    /** Adds an A record. */
    public TestDnsServer a(String name, String ipv4, long ttlSeconds) {
        return add(new ARecord(name(name), DClass.IN, ttlSeconds, address(ipv4, Address.IPv4)));
    }

    /** Adds an AAAA record. */
    public TestDnsServer aaaa(String name, String ipv6, long ttlSeconds) {
        return add(new AAAARecord(name(name), DClass.IN, ttlSeconds, address(ipv6, Address.IPv6)));
    }

    /** Adds a CNAME record: {@code name} is an alias of {@code target}. */
    public TestDnsServer cname(String name, String target, long ttlSeconds) {
        return add(new CNAMERecord(name(name), DClass.IN, ttlSeconds, name(target)));
    }

    /** Adds a TXT record with one string (split into 255-byte strings when longer). */
    public TestDnsServer txt(String name, String text, long ttlSeconds) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < text.length(); i += 255) {
            parts.add(text.substring(i, Math.min(text.length(), i + 255)));
        }
        if (parts.isEmpty()) {
            parts.add("");
        }
        return add(new TXTRecord(name(name), DClass.IN, ttlSeconds, parts));
    }

    /** Adds a PTR record ({@code name} is e.g. {@code 2.0.0.127.in-addr.arpa}). */
    public TestDnsServer ptr(String name, String target, long ttlSeconds) {
        return add(new PTRRecord(name(name), DClass.IN, ttlSeconds, name(target)));
    }

    /** Adds any dnsjava record (class IN, absolute owner name). */
    public TestDnsServer add(Record record) {
        zone.add(record);
        return this;
    }

    /** Removes every record and behaviour of a name: it becomes NXDOMAIN. */
    public TestDnsServer remove(String name) {
        zone.remove(name(name));
        return this;
    }

    /** Removes the records of one type of a name (see {@link Type}). */
    public TestDnsServer remove(String name, int type) {
        zone.remove(name(name), type);
        return this;
    }

    /** Makes the name not exist (NXDOMAIN), removing its records; unknown names already are. */
    public TestDnsServer nxdomain(String name) {
        return remove(name);
    }

    /** Answers every query for the name with SERVFAIL (until {@link #heal(String)} or {@link #remove(String)}). */
    public TestDnsServer servfail(String name) {
        zone.behaviour(name(name), -1, Zone.Behaviour.SERVFAIL);
        return this;
    }

    /** Answers queries of one type for the name with SERVFAIL. */
    public TestDnsServer servfail(String name, int type) {
        zone.behaviour(name(name), type, Zone.Behaviour.SERVFAIL);
        return this;
    }

    /** Never answers queries for the name (over UDP or TCP): the client times out. */
    public TestDnsServer noAnswer(String name) {
        zone.behaviour(name(name), -1, Zone.Behaviour.DROP);
        return this;
    }

    /** Never answers queries of one type for the name. */
    public TestDnsServer noAnswer(String name, int type) {
        zone.behaviour(name(name), type, Zone.Behaviour.DROP);
        return this;
    }

    /** Clears SERVFAIL and no-answer behaviours of the name (all types): it answers from its records again. */
    public TestDnsServer heal(String name) {
        zone.clearBehaviours(name(name));
        return this;
    }

    /** Always sets the TC bit on UDP answers for the name (with an empty answer), forcing TCP. */
    public TestDnsServer truncateUdp(String name) {
        zone.truncateUdp(name(name), true);
        return this;
    }

    /** Delays answers for the name (both transports). {@link Duration#ZERO} removes the delay. */
    public TestDnsServer delay(String name, Duration delay) {
        zone.delay(name(name), delay);
        return this;
    }

    /**
     * Sets the AD (authenticated data) bit on answers for the name to queries that ask for DNSSEC
     * (DO or AD bit), as a trusted validating resolver does for validated answers.
     */
    public TestDnsServer authenticated(String name) {
        zone.authenticated(name(name), true);
        return this;
    }

    /** TTL and minimum of the SOA in negative answers (NXDOMAIN and NODATA); default 300 s. */
    public TestDnsServer negativeTtl(long seconds) {
        zone.negativeTtl(seconds);
        return this;
    }

    /** Whether CNAMEs are followed inside the zone (default true); off, only the CNAME is returned. */
    public TestDnsServer chaseCnames(boolean chase) {
        zone.chaseCnames(chase);
        return this;
    }

    /** Removes all records and behaviours (the query log is kept). */
    public TestDnsServer clear() {
        zone.clear();
        return this;
    }

    // ---- query log -----------------------------------------------------------------------------

    /** Every query received so far, in arrival order. */
    public List<Query> queries() {
        return List.copyOf(queries);
    }

    /** Number of queries received for the name and type, over either transport. */
    public int queryCount(String name, int type) {
        String n = normalize(name);
        return (int) queries.stream()
                .filter(q -> q.name().equals(n) && q.type() == type)
                .count();
    }

    /** Number of queries received for the name and type over one transport. */
    public int queryCount(String name, int type, Transport transport) {
        String n = normalize(name);
        return (int) queries.stream()
                .filter(q -> q.name().equals(n) && q.type() == type && q.transport() == transport)
                .count();
    }

    /** Number of queries received for the name, any type. */
    public int queryCount(String name) {
        String n = normalize(name);
        return (int) queries.stream().filter(q -> q.name().equals(n)).count();
    }

    /** Total number of queries received. */
    public int totalQueries() {
        return queries.size();
    }

    /** Forgets the queries logged so far. */
    public void clearQueries() {
        queries.clear();
    }

    // ---- serving -------------------------------------------------------------------------------

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                if (!closed) {
                    log.warn("test DNS server UDP receive failed", e);
                }
                return;
            }
            Message query = parse(buffer, packet.getLength(), Transport.UDP);
            if (query == null) {
                continue;
            }
            Zone.Reply reply = zone.reply(query);
            if (reply.message() == null) {
                continue;
            }
            byte[] wire = udpWire(query, reply);
            InetSocketAddress client = (InetSocketAddress) packet.getSocketAddress();
            Runnable send = () -> {
                try {
                    udp.send(new DatagramPacket(wire, wire.length, client));
                } catch (IOException e) {
                    if (!closed) {
                        log.warn("test DNS server UDP send failed", e);
                    }
                }
            };
            if (reply.delay().isZero()) {
                send.run();
            } else {
                Thread.ofVirtual().start(() -> {
                    sleep(reply.delay());
                    send.run();
                });
            }
        }
    }

    private static byte[] udpWire(Message query, Zone.Reply reply) {
        if (reply.forceTruncation()) {
            Message truncated = Zone.newResponse(query);
            truncated.getHeader().setRcode(reply.message().getRcode());
            truncated.getHeader().setFlag(Flags.TC);
            return truncated.toWire();
        }
        OPTRecord opt = query.getOPT();
        int max = opt == null ? MIN_UDP_PAYLOAD : Math.max(MIN_UDP_PAYLOAD, opt.getPayloadSize());
        return reply.message().toWire(max);
    }

    private void serveTcp() {
        while (!closed) {
            Socket socket;
            try {
                socket = tcp.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("test DNS server TCP accept failed", e);
                }
                return;
            }
            connections.add(socket);
            Thread.ofVirtual().name("test-dns-tcp-conn").start(() -> serveConnection(socket));
        }
    }

    private void serveConnection(Socket socket) {
        try (socket;
                DataInputStream in = new DataInputStream(socket.getInputStream());
                DataOutputStream out = new DataOutputStream(socket.getOutputStream())) {
            while (!closed) {
                int length;
                try {
                    length = in.readUnsignedShort();
                } catch (EOFException e) {
                    return;
                }
                byte[] data = in.readNBytes(length);
                if (data.length < length) {
                    return;
                }
                Message query = parse(data, length, Transport.TCP);
                if (query == null) {
                    continue;
                }
                Zone.Reply reply = zone.reply(query);
                if (reply.message() == null) {
                    continue;
                }
                sleep(reply.delay());
                byte[] wire = reply.message().toWire();
                out.writeShort(wire.length);
                out.write(wire);
                out.flush();
            }
        } catch (SocketException e) {
            // closed by the client or by close()
        } catch (IOException e) {
            if (!closed) {
                log.warn("test DNS server TCP connection failed", e);
            }
        } finally {
            connections.remove(socket);
        }
    }

    private Message parse(byte[] data, int length, Transport transport) {
        byte[] copy = Arrays.copyOf(data, length);
        Message query;
        try {
            query = new Message(copy);
        } catch (IOException e) {
            log.debug("test DNS server ignored a malformed packet over {}", transport);
            return null;
        }
        Record question = query.getQuestion();
        if (question != null) {
            queries.add(
                    new Query(normalize(question.getName().toString()), question.getType(), transport, Instant.now()));
        }
        return query;
    }

    private static void sleep(Duration delay) {
        if (delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops both listeners and closes open TCP connections. */
    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            log.debug("closing TCP listener", e);
        }
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("closing TCP connection", e);
            }
        }
        for (Thread thread : threads) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static Name name(String text) {
        String absolute = text.endsWith(".") ? text : text + ".";
        try {
            return Name.fromString(absolute.toLowerCase(Locale.ROOT));
        } catch (TextParseException e) {
            throw new IllegalArgumentException("bad DNS name: " + text, e);
        }
    }

    private static InetAddress address(String literal, int family) {
        try {
            return Address.getByAddress(literal, family);
        } catch (IOException e) {
            throw new UncheckedIOException("bad address literal: " + literal, e);
        }
    }

    private static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.length() > 1 && lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    @Override
    public String toString() {
        return "TestDnsServer[" + address() + "]";
    }
}
