package dev.tern.queue;

/**
 * One suppression list entry: this tenant must not mail this address.
 *
 * @param tenant  tenant ("" for the global list)
 * @param address the address, lower case
 * @param reason  why (a bounce reason such as {@code userunknown}, or {@code complaint}, {@code manual})
 * @param addedAt when, epoch milliseconds
 */
public record Suppression(String tenant, String address, String reason, long addedAt) {}
