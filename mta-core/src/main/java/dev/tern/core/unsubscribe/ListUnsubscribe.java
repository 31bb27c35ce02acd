package dev.tern.core.unsubscribe;

import dev.tern.core.config.Unsubscribe;
import dev.tern.core.feedback.UnsubscribeTokens;

/**
 * The {@code List-Unsubscribe} (RFC 2369) and {@code List-Unsubscribe-Post} (RFC 8058) fields Tern
 * adds at injection, before DKIM signing (so that the signature covers them, as Gmail requires for
 * one-click), and which mail gets them ({@code unsubscribe.lanes}, {@code all_tenants},
 * {@code tenants}). Each recipient gets its own token, so a message that gets the fields is
 * spooled as one copy per recipient.
 */
public final class ListUnsubscribe {
    private final Unsubscribe config;
    private final UnsubscribeTokens tokens;
    private final String urlBase;

    public ListUnsubscribe(Unsubscribe config, UnsubscribeTokens tokens) {
        this.config = config;
        this.tokens = tokens;
        String u = config.url();
        this.urlBase = u.isEmpty() ? "" : (u.endsWith("/") ? u.substring(0, u.length() - 1) : u) + "/u/";
    }

    /** Whether mail of this lane, tenant and campaign gets the fields. */
    public boolean applies(boolean transactional, String tenant, String campaign) {
        return config.applies(transactional, tenant, campaign);
    }

    /** What to do when the message already has a List-Unsubscribe field. */
    public Unsubscribe.Existing existing() {
        return config.existing();
    }

    /**
     * The CRLF-terminated fields for one recipient of message {@code messageId}: {@code List-Unsubscribe}
     * with the HTTPS link and/or the mailto address, and {@code List-Unsubscribe-Post:
     * List-Unsubscribe=One-Click} when there is an HTTPS link.
     */
    public String fields(String messageId, String tenant, String campaign, String recipient, long nowMillis) {
        String token = tokens.encode(messageId, tenant, campaign, recipient, nowMillis);
        StringBuilder sb = new StringBuilder(200).append("List-Unsubscribe: ");
        if (!urlBase.isEmpty()) sb.append('<').append(urlBase).append(token).append('>');
        if (!config.mailtoDomain().isEmpty()) {
            if (!urlBase.isEmpty()) sb.append(",\r\n ");
            sb.append("<mailto:")
                    .append(UnsubscribeTokens.MAILTO_PREFIX)
                    .append(token)
                    .append('@')
                    .append(config.mailtoDomain())
                    .append('>');
        }
        sb.append("\r\n");
        if (!urlBase.isEmpty()) sb.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
        return sb.toString();
    }
}
