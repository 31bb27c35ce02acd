package dev.tern.core.delivery;

/** A destination could not be resolved; permanent failures bounce, temporary ones defer. */
public final class RouteException extends Exception {
    private final boolean permanent;
    private final String enhancedCode;

    public RouteException(boolean permanent, String enhancedCode, String message) {
        super(message);
        this.permanent = permanent;
        this.enhancedCode = enhancedCode;
    }

    public boolean permanent() {
        return permanent;
    }

    public String enhancedCode() {
        return enhancedCode;
    }

    /** The failure as an SMTP-style reply text, e.g. {@code 550 5.1.2 ...}. */
    public String replyText() {
        return (permanent ? "550 " : "451 ") + enhancedCode + " " + getMessage();
    }
}
