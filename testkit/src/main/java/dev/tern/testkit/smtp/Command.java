package dev.tern.testkit.smtp;

import java.util.Locale;

/**
 * One command received by a {@link SmtpSink}.
 *
 * @param connectionId the sink's id of the connection (1, 2, ...)
 * @param phase        what the command is
 * @param line         the command line as received, without CRLF ("" for {@link Phase#CONNECT},
 *                     "." for {@link Phase#DATA_END})
 * @param argument     for MAIL/RCPT the address between the angle brackets, for EHLO/HELO the
 *                     client's name, otherwise the rest of the line after the verb
 * @param parameters   for MAIL/RCPT the ESMTP parameters after the path (e.g. "SIZE=12 BODY=8BITMIME"),
 *                     otherwise ""
 * @param readSequence number of the socket read (per connection) that delivered the command:
 *                     pipelined commands sent in one flush share the same number
 * @param tls          whether the command arrived over TLS
 */
public record Command(
        int connectionId,
        Phase phase,
        String line,
        String argument,
        String parameters,
        long readSequence,
        boolean tls) {

    static Command parse(int connectionId, String line, long readSequence, boolean tls) {
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String rest = sp < 0 ? "" : line.substring(sp + 1).trim();
        Phase phase = Phase.ofVerb(verb);
        String argument = rest;
        String parameters = "";
        if (phase == Phase.MAIL || phase == Phase.RCPT) {
            int colon = rest.indexOf(':');
            String path = colon < 0 ? rest : rest.substring(colon + 1).trim();
            if (path.startsWith("<")) {
                int close = path.indexOf('>');
                argument = close < 0 ? path.substring(1) : path.substring(1, close);
                parameters = close < 0 ? "" : path.substring(close + 1).trim();
            } else {
                int s = path.indexOf(' ');
                argument = s < 0 ? path : path.substring(0, s);
                parameters = s < 0 ? "" : path.substring(s + 1).trim();
            }
        }
        return new Command(connectionId, phase, line, argument, parameters, readSequence, tls);
    }

    /** The verb in upper case ("MAIL", "RCPT" ...), "" for CONNECT and "." for DATA_END. */
    public String verb() {
        int sp = line.indexOf(' ');
        return (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
    }

    /** Whether {@link #parameters()} contains the given ESMTP keyword (case-insensitive), e.g. "SMTPUTF8" or "BODY=8BITMIME". */
    public boolean hasParameter(String keyword) {
        for (String p : parameters.split(" ")) {
            if (p.equalsIgnoreCase(keyword)) return true;
        }
        return false;
    }
}
