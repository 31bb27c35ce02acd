package dev.tern.core.delivery;

/** A destination could not be resolved; permanent failures bounce, temporary ones defer. */
public final class RouteException extends Exception {
    private final boolean permanent;
    private final String enhancedCode;
    private final dev.tern.bounce.LocalFailure localFailure;

    public RouteException(boolean permanent, String enhancedCode, String message) {
        this(permanent, enhancedCode, message, null);
    }

    /** A failure whose reason is fixed by what failed ({@code localFailure}, may be null). */
    public RouteException(
            boolean permanent, String enhancedCode, String message, dev.tern.bounce.LocalFailure localFailure) {
        super(message);
        this.permanent = permanent;
        this.enhancedCode = enhancedCode;
        this.localFailure = localFailure;
    }

    /** What failed, when it was Tern's own resolution (DNS), else null. */
    public dev.tern.bounce.LocalFailure localFailure() {
        return localFailure;
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
