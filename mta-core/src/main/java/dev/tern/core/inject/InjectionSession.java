package dev.tern.core.inject;

import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventType;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolFullException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;

/**
 * One SMTP mail transaction on the injection listener: checks the sender and recipients
 * against policy, reads the message (counting bytes), strips Tern's control headers, adds
 * the trace header and writes it durably to the spool before answering 250.
 */
final class InjectionSession implements MessageHandler {
  private static final Logger log = LoggerFactory.getLogger(InjectionSession.class);
  static final String CONTROL_PREFIX = "x-tern-";

  private final MessageContext context;
  private final Injector injector;
  private final InetAddress client;
  private String returnPath;
  private final List<String> recipients = new ArrayList<>();

  InjectionSession(MessageContext context, Injector injector) {
    this.context = context;
    this.injector = injector;
    this.client = context.getRemoteAddress() instanceof InetSocketAddress isa ? isa.getAddress() : null;
  }

  @Override
  public void from(String from) throws RejectException {
    if (client == null || !injector.policy().relayAllowed(client)) {
      throw new RejectException(550, "5.7.1 Relaying denied: client " + (client == null ? "?" : client.getHostAddress()) + " is not allowed to send through this server");
    }
    returnPath = from == null ? "" : from;
  }

  @Override
  public void recipient(String recipient) throws RejectException {
    if (recipients.size() >= injector.policy().maxRecipients()) {
      throw new RejectException(452, "4.5.3 Too many recipients (at most " + injector.policy().maxRecipients() + " per message)");
    }
    String r = recipient == null ? "" : recipient.trim();
    int at = r.lastIndexOf('@');
    if (at <= 0 || at == r.length() - 1 || r.indexOf(' ') >= 0) {
      throw new RejectException(501, "5.1.3 Bad recipient address syntax: <" + r + ">");
    }
    recipients.add(r);
  }

  @Override
  public String data(InputStream data) throws RejectException, IOException {
    long max = injector.policy().maxMessageSize();
    ByteArrayOutputStream buf = new ByteArrayOutputStream(8192);
    byte[] chunk = new byte[16384];
    long total = 0;
    int n;
    while ((n = data.read(chunk)) > 0) {
      total += n;
      if (total <= max) buf.write(chunk, 0, n);
    }
    if (total > max) {
      // the whole message has been read, so the session stays in step
      throw new RejectException(552, "5.3.4 Message too big: " + total + " bytes, at most " + max + " accepted");
    }
    if (recipients.isEmpty()) throw new RejectException(554, "5.5.1 No valid recipients");
    return injector.accept(returnPath, List.copyOf(recipients), buf.toByteArray(), client, context.getHelo().orElse(""));
  }

  @Override
  public void done() {}

  /** Turns accepted transactions into spooled messages. Shared by all sessions; thread-safe. */
  static final class Injector {
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private final Spool spool;
    private final EventBus events;
    private final InjectionPolicy policy;
    private final String hostname;
    private final long maxAgeMillis;
    private final Clock clock;
    private final DkimSigning dkim;

    Injector(Spool spool, EventBus events, InjectionPolicy policy, String hostname, long maxAgeMillis,
        DkimSigning dkim, Clock clock) {
      this.spool = spool;
      this.dkim = dkim;
      this.events = events;
      this.policy = policy;
      this.hostname = hostname;
      this.maxAgeMillis = maxAgeMillis;
      this.clock = clock;
    }

    InjectionPolicy policy() {
      return policy;
    }

    /** The domain of the (first) address in a From header value, or null. */
    static String domainOf(String from) {
      if (from == null) return null;
      String f = from;
      int lt = f.lastIndexOf('<');
      if (lt >= 0) {
        int gt = f.indexOf('>', lt);
        f = f.substring(lt + 1, gt < 0 ? f.length() : gt);
      }
      int at = f.lastIndexOf('@');
      if (at < 0) return null;
      String d = f.substring(at + 1).trim();
      int end = 0;
      while (end < d.length() && (Character.isLetterOrDigit(d.charAt(end)) || d.charAt(end) == '.' || d.charAt(end) == '-')) end++;
      return end == 0 ? null : d.substring(0, end).toLowerCase(Locale.ROOT);
    }

    String accept(String returnPath, List<String> recipients, byte[] raw, InetAddress client, String helo) throws RejectException {
      String id = MessageIds.next();
      Instant now = clock.instant();
      HeaderBlock headers = HeaderBlock.parse(raw);
      Map<String, String> tags = headers.valuesWithPrefix(CONTROL_PREFIX);
      String clientAddr = client == null ? "unknown" : client.getHostAddress();
      String received = "Received: from " + (helo.isEmpty() ? "unknown" : helo) + " ([" + clientAddr + "])\r\n"
          + "\tby " + hostname + " (Tern) with ESMTP id " + id + ";\r\n"
          + "\t" + RFC5322.format(OffsetDateTime.ofInstant(now, ZoneOffset.UTC)) + "\r\n";
      byte[] clean = headers.rebuild(raw, new byte[0], CONTROL_PREFIX);
      String fromDomain = domainOf(headers.first("From"));
      String signatures = dkim.sign(clean, fromDomain);
      // trace header and signatures go on top; the signed fields below stay byte for byte
      byte[] top = (received + signatures).getBytes(StandardCharsets.US_ASCII);
      byte[] body = new byte[top.length + clean.length];
      System.arraycopy(top, 0, body, 0, top.length);
      System.arraycopy(clean, 0, body, top.length, clean.length);

      long notBefore = now.toEpochMilli();
      String deliverAfter = tags.get("x-tern-deliver-after");
      if (deliverAfter != null) {
        try {
          notBefore = Math.max(notBefore, OffsetDateTime.parse(deliverAfter).toInstant().toEpochMilli());
        } catch (DateTimeParseException e) {
          throw new RejectException(554, "5.6.0 X-Tern-Deliver-After is not an RFC 3339 time: " + deliverAfter);
        }
      }
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put("client", clientAddr);
      attributes.put("dkim", signatures.isEmpty() ? "unsigned" : "signed:" + dkim.signingDomain(fromDomain));
      if (deliverAfter != null) attributes.put("deliver_after", deliverAfter);
      Envelope envelope = new Envelope(id, returnPath, tags.get("x-tern-tenant"), tags.get("x-tern-campaign"),
          tags.get("x-tern-pool"), "transactional".equalsIgnoreCase(tags.getOrDefault("x-tern-priority", "")),
          now.toEpochMilli(), now.toEpochMilli() + maxAgeMillis, body.length, attributes);

      Map<String, List<RecipientState>> byDomain = new LinkedHashMap<>();
      for (String r : recipients) {
        String domain = r.substring(r.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        byDomain.computeIfAbsent(domain, d -> new ArrayList<>()).add(RecipientState.pending(r));
      }
      List<QueueEntry> entries = new ArrayList<>();
      for (var e : byDomain.entrySet()) entries.add(new QueueEntry(envelope, e.getKey(), e.getValue(), 0, notBefore));

      try {
        spool.store(envelope, body, entries).get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof SpoolFullException) {
          log.warn("refusing message from {}: {}", clientAddr, e.getCause().getMessage());
          throw new RejectException(452, "4.3.1 Insufficient system storage, try again later");
        }
        log.error("spool write failed for message from {}: {}", clientAddr, e.getCause().toString());
        throw new RejectException(451, "4.3.0 Temporary local error while queueing, try again later");
      } catch (TimeoutException e) {
        throw new RejectException(451, "4.3.0 Queueing timed out, try again later");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RejectException(421, "4.3.2 Server shutting down");
      }
      for (String r : recipients) {
        events.publish(Event.of(EventType.RECEPTION, id, r).time(now).sender(returnPath)
            .tenant(envelope.tenant()).campaign(envelope.campaign()).pool(envelope.pool())
            .size(body.length).client(clientAddr).build());
      }
      return "2.0.0 Ok: queued as " + id; // SubEthaSMTP prefixes "250 "
    }
  }
}
