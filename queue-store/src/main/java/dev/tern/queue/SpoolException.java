package dev.tern.queue;

/** A spool operation failed; the spool itself stays consistent. */
public class SpoolException extends RuntimeException {
    public SpoolException(String message) {
        super(message);
    }

    public SpoolException(String message, Throwable cause) {
        super(message, cause);
    }
}
