package dev.tern.core.cli;

/** The target forms the queue commands take (parsed by the admin API). */
final class Targets {
    static final String DESCRIPTION = "site:<key> (as shown by 'tern queues'), domain:<domain>, mxhost:<host>,"
            + " campaign:<name>, tenant:<name>, pool:<name> or source:<name>";

    private Targets() {}
}
