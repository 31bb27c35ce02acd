package dev.tern.testkit.smtp;

/**
 * Decides the reply of a {@link SmtpSink} to a command. Returning {@code null} lets the sink give its
 * default reply. A reply is one line ("550 5.1.1 User unknown") or several lines separated by
 * {@code \n} ("250-first\n250 last"). Runs on the sink's event loop: keep it quick.
 */
@FunctionalInterface
public interface Script {
    String reply(Command command);
}
