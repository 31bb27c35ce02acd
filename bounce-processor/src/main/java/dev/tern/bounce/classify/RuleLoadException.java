package dev.tern.bounce.classify;

/** A rules file could not be read or is invalid; the message names the file and the offending key. */
public class RuleLoadException extends RuntimeException {
    public RuleLoadException(String message) {
        super(message);
    }

    public RuleLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
