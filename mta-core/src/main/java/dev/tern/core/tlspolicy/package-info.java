/**
 * Outbound TLS policy: which TLS each MX host of a destination domain must offer, and what is
 * reported about it.
 *
 * <ul>
 *   <li>{@link dev.tern.core.tlspolicy.TlsPolicies} decides a {@link dev.tern.core.tlspolicy.DestinationTls}
 *       per domain: the configured mode ({@code delivery.tls}) with the strictest published policy on
 *       top, DANE (RFC 7672) per MX host, then MTA-STS (RFC 8461) per domain. The delivery engine
 *       asks when it routes an entry (both are cached) and hands each host's
 *       {@link dev.tern.core.delivery.smtp.TlsPolicy} to the SMTP client's STARTTLS step.
 *   <li>{@link dev.tern.core.tlspolicy.PolicyDns}: TXT, A and TLSA lookups; TLSA with DNSSEC status
 *       from dnsjava's validating resolver (configured trust anchors) or a trusted resolver's AD bit.
 *   <li>{@link dev.tern.core.tlspolicy.MtaSts} and {@link dev.tern.core.tlspolicy.StsFetcher}: discovery,
 *       the HTTPS fetch (bounded in time and size, verified certificate, no redirects) and the
 *       persisted policy cache.
 *   <li>{@link dev.tern.core.tlspolicy.TlsReports} and {@link dev.tern.core.tlspolicy.TlsReportSender}:
 *       TLS-RPT (RFC 8460) counts per policy domain and UTC day, and the daily aggregate reports;
 *       sessions to domains without a published policy count as {@code no-policy-found}.
 * </ul>
 */
package dev.tern.core.tlspolicy;
