package dev.tern.core.delivery.smtp;

import java.util.Map;

/**
 * Asked once per connection, after the first EHLO and before STARTTLS: can anything the session
 * holds be sent to a server offering these extensions? A session whose mail would all be refused
 * locally ({@link LocalRefusal}) quits in clear text instead of negotiating TLS only to quit
 * without a MAIL command; the connection then fails with {@link SmtpException#localRefusal()}.
 */
@FunctionalInterface
public interface StartTlsGate {
    /**
     * @param extensions the EHLO keywords (upper case) and parameters offered before STARTTLS
     * @return null to go on with STARTTLS, or the local refusal of everything the session holds
     */
    SmtpReply refusal(Map<String, String> extensions);
}
