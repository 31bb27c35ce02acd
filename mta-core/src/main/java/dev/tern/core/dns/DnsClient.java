package dev.tern.core.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SimpleResolver;

/**
 * Sends one DNS question to the configured servers with dnsjava's asynchronous {@link
 * SimpleResolver#sendAsync(Message, Executor)} (UDP, TCP when the answer is truncated). Each
 * attempt is bounded by the timeout; timeouts and network errors move to the next attempt, rotating
 * over the servers; SERVFAIL and REFUSED are retried only on another server. Results complete on
 * the executor (also after a timeout).
 */
final class DnsClient {

    private final List<SimpleResolver> resolvers;
    private final long timeoutMillis;
    private final int attempts;
    private final Executor executor;

    DnsClient(List<InetSocketAddress> servers, Duration timeout, int attempts, Executor executor) {
        List<InetSocketAddress> targets = servers.isEmpty() ? systemServers() : servers;
        this.resolvers = targets.stream()
                .map(address -> {
                    SimpleResolver resolver = new SimpleResolver(address);
                    resolver.setTimeout(timeout);
                    return resolver;
                })
                .toList();
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        this.attempts = attempts;
        this.executor = executor;
    }

    /** The servers queried, in order. */
    List<InetSocketAddress> servers() {
        return resolvers.stream().map(SimpleResolver::getAddress).toList();
    }

    /**
     * Asks every attempt's server in turn until one answers. The future completes with the response
     * (any rcode) or exceptionally with {@link java.util.concurrent.TimeoutException} or an
     * {@link java.io.IOException} from the last attempt.
     */
    CompletableFuture<Message> query(Name name, int type) {
        CompletableFuture<Message> result = new CompletableFuture<>();
        attempt(Record.newRecord(name, type, DClass.IN), 0, result);
        return result;
    }

    private void attempt(Record question, int attempt, CompletableFuture<Message> result) {
        SimpleResolver resolver = resolvers.get(attempt % resolvers.size());
        boolean last = attempt + 1 >= attempts;
        resolver.sendAsync(Message.newQuery(question), executor)
                .toCompletableFuture()
                .orTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .whenCompleteAsync(
                        (response, error) -> {
                            if (error == null) {
                                int rcode = response.getRcode();
                                boolean serverTrouble = rcode == Rcode.SERVFAIL || rcode == Rcode.REFUSED;
                                if (serverTrouble && !last && resolvers.size() > 1) {
                                    attempt(question, attempt + 1, result);
                                } else {
                                    result.complete(response);
                                }
                            } else if (last) {
                                result.completeExceptionally(unwrap(error));
                            } else {
                                attempt(question, attempt + 1, result);
                            }
                        },
                        executor);
    }

    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static List<InetSocketAddress> systemServers() {
        List<InetSocketAddress> system = ResolverConfig.getCurrentConfig().servers();
        if (system.isEmpty()) {
            return List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), DnsSettings.DNS_PORT));
        }
        return system;
    }
}
