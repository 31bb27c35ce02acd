package dev.tern.bounce.dsn;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Works out which SMTP command a remote server was answering, from the wording of a bounce. */
final class SmtpCommands {
    private static final Pattern STATED = Pattern.compile(
            "(?:in reply to (?:the )?|after (?:the )?|did not like our |error following (?:the )?|while sending |"
                    + "most progress was |while performing the |connection (?:lost|closed) after )"
                    + "(rcpt to|rcpt|mail from|mail|end of data|final data|data|helo|ehlo|lhlo|starttls|initial connection|quit)");
    private static final Pattern BRACKETED = Pattern.compile("\\[(rcpt_to|mail_from|data)\\]");
    private static final Pattern TRANSCRIPT =
            Pattern.compile(">>> ?(rcpt to|mail from|data|helo|ehlo|quit|starttls)\\b");
    private static final Pattern SMTP_COLON = Pattern.compile("smtp:(rcpt|mail|data)\\b");

    private SmtpCommands() {}

    /** The command ({@code CONN, HELO, EHLO, MAIL, RCPT, DATA, STARTTLS, QUIT}) or null. */
    static String find(String lowerText) {
        if (lowerText == null || lowerText.isEmpty()) {
            return null;
        }
        Matcher m = STATED.matcher(lowerText);
        if (m.find()) {
            return normalize(m.group(1));
        }
        m = BRACKETED.matcher(lowerText);
        if (m.find()) {
            return normalize(m.group(1).replace('_', ' '));
        }
        m = SMTP_COLON.matcher(lowerText);
        if (m.find()) {
            return normalize(m.group(1));
        }
        // a transcript: the last command sent before the first error reply
        int errorAt = indexOfErrorReply(lowerText);
        m = TRANSCRIPT.matcher(lowerText);
        String last = null;
        while (m.find() && (errorAt < 0 || m.start() < errorAt)) {
            last = m.group(1);
        }
        if (last != null) {
            return normalize(last);
        }
        if (lowerText.contains("does not like recipient")) {
            return "RCPT";
        }
        if (lowerText.contains("sender was rejected")) {
            return "MAIL";
        }
        if (lowerText.contains("my name was rejected")) {
            return "EHLO";
        }
        if (lowerText.contains("failed after i sent the message")) {
            return "DATA";
        }
        if (lowerText.contains("refused to talk to me")) {
            return "HELO";
        }
        return null;
    }

    private static int indexOfErrorReply(String text) {
        Matcher m = Pattern.compile("<<< ?[45]\\d\\d").matcher(text);
        return m.find() ? m.start() : -1;
    }

    private static String normalize(String c) {
        return switch (c) {
            case "rcpt to", "rcpt" -> "RCPT";
            case "mail from", "mail" -> "MAIL";
            case "end of data", "final data", "data" -> "DATA";
            case "helo" -> "HELO";
            case "ehlo", "lhlo" -> "EHLO";
            case "starttls" -> "STARTTLS";
            case "initial connection" -> "CONN";
            case "quit" -> "QUIT";
            default -> null;
        };
    }
}
