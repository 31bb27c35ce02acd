/**
 * MX resolution and MX sites.
 *
 * <p>{@link dev.tern.core.dns.MxResolver} turns a recipient domain into an {@link
 * dev.tern.core.dns.MxResult}: the MX hosts to try in order with their IPv4/IPv6 addresses and the
 * domain's {@link dev.tern.core.dns.Site}, or a permanent failure (NXDOMAIN 5.1.2, null MX 5.1.10,
 * no address 5.4.4) or a temporary one (SERVFAIL/timeout 4.4.3) that the delivery engine reports
 * with the given reply code.
 *
 * <p>Design:
 *
 * <ul>
 *   <li>Queries go straight to the configured recursive resolvers (or the system's) through
 *       dnsjava's asynchronous {@code SimpleResolver.sendAsync}: UDP with EDNS, TCP when the answer
 *       is truncated. {@code DnsClient} bounds each attempt with its own timeout and rotates over
 *       the servers. dnsjava's {@code LookupSession} is not used because its negative answers do
 *       not expose the SOA (needed for RFC 2308 negative TTLs) nor the TTLs of CNAMEs.
 *   <li>{@code RecordLookup} owns one lookup per name and type: it follows CNAME chains (bounded),
 *       caches every outcome in {@code DnsCache} (a size-bounded LRU, TTL-respecting, with
 *       negative and brief failure caching) and joins concurrent lookups of the same name and type
 *       into one query. Record data is decoded once on arrival (addresses, MX targets), so a cache
 *       hit does no parsing. A/AAAA answers of MX hosts are shared by every domain hosted by the
 *       same provider.
 *   <li>{@code MxResolver} composes those lookups; ordering among equal preferences is shuffled on
 *       every call (the cache holds DNS data, not an order). Nothing blocks: futures complete on the
 *       configured executor, or at once on a cache hit.
 *   <li>A {@link dev.tern.core.dns.Site} is the sorted set of a domain's MX hosts after CNAME
 *       resolution ({@link dev.tern.core.dns.MxHost#canonical()}: an alias counts as the host it
 *       names). The delivery engine's {@code Router} joins domains sharing a primary host into one
 *       site (see its documentation).
 * </ul>
 *
 * <p>Settings come as a plain {@link dev.tern.core.dns.DnsSettings} record; metrics go to the
 * Micrometer registry given to the resolver ({@code tern_dns_*}).
 */
package dev.tern.core.dns;
