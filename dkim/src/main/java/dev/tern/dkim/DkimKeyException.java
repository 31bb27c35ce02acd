package dev.tern.dkim;

/** A DKIM private key could not be loaded or is not acceptable; the message says why. */
public class DkimKeyException extends RuntimeException {
    public DkimKeyException(String message) {
        super(message);
    }

    public DkimKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
