package dev.tern.core.config;

/**
 * RFC 5322 hygiene at injection ({@code injection.headers}), applied before DKIM signing.
 *
 * @param addMessageId add {@code Message-ID: <queue id@server.hostname>} when the message has none
 * @param addDate      add {@code Date:} (the reception time) when the message has none
 * @param requireFrom  refuse (550 5.6.0) a message without exactly one {@code From:} field holding exactly one address
 */
public record InjectionHeaders(boolean addMessageId, boolean addDate, boolean requireFrom) {
    static InjectionHeaders defaults() {
        return new InjectionHeaders(true, true, false);
    }
}
