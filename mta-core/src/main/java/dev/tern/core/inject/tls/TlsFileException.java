package dev.tern.core.inject.tls;

/** A certificate or private key file that cannot be used; {@link #part()} says which of the two. */
public final class TlsFileException extends RuntimeException {
    /** Which file is wrong. */
    public enum Part {
        CERTIFICATE,
        PRIVATE_KEY
    }

    private final Part part;

    public TlsFileException(Part part, String message) {
        super(message);
        this.part = part;
    }

    public Part part() {
        return part;
    }
}
