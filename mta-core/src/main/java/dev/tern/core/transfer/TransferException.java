package dev.tern.core.transfer;

/** An export or import that cannot proceed; the message says why (and what was left as it was). */
public final class TransferException extends Exception {
    private final boolean conflict;

    public TransferException(String message) {
        this(message, false);
    }

    TransferException(String message, boolean conflict) {
        super(message);
        this.conflict = conflict;
    }

    /** True when the export was already imported (a second import needs force). */
    public boolean conflict() {
        return conflict;
    }
}
