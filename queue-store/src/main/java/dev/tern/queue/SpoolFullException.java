package dev.tern.queue;

/**
 * A write was refused because free disk space is under the configured floor. The SMTP
 * listener answers {@code 452 4.3.1}; nothing already spooled is affected.
 */
public class SpoolFullException extends SpoolException {
    public SpoolFullException(String message) {
        super(message);
    }
}
