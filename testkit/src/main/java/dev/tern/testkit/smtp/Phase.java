package dev.tern.testkit.smtp;

/** The point of an SMTP conversation a {@link SmtpSink} script, delay or disconnect applies to. */
public enum Phase {
    /** The connection was accepted; the reply is the banner. */
    CONNECT,
    EHLO,
    HELO,
    STARTTLS,
    MAIL,
    RCPT,
    /** The {@code DATA} command itself (reply 354 by default). */
    DATA,
    /** The first bytes of the message body arrived (no reply; for delays and disconnects mid-DATA). */
    DATA_BODY,
    /** The terminating dot arrived; the reply is the final reply to the message. */
    DATA_END,
    RSET,
    NOOP,
    QUIT,
    /** Any other command (VRFY, HELP, unknown verbs ...). */
    OTHER;

    static Phase ofVerb(String verb) {
        return switch (verb) {
            case "EHLO" -> EHLO;
            case "HELO" -> HELO;
            case "STARTTLS" -> STARTTLS;
            case "MAIL" -> MAIL;
            case "RCPT" -> RCPT;
            case "DATA" -> DATA;
            case "RSET" -> RSET;
            case "NOOP" -> NOOP;
            case "QUIT" -> QUIT;
            default -> OTHER;
        };
    }
}
