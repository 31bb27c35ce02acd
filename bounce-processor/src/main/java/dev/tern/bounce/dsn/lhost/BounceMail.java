package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.mime.MimePart;
import java.util.List;

/**
 * What a decoder reads of one returned mail: its headers, the human-readable report, the text of its
 * {@code message/delivery-status} part (null when there is none) and the report without the copy of
 * the original message.
 *
 * @param root           the parsed mail
 * @param humanText      the text parts, in order (HTML rendered as text)
 * @param deliveryStatus the delivery-status part's text, or null
 * @param errorText      {@code humanText} up to the copy of the returned message
 */
public record BounceMail(MimePart root, String humanText, String deliveryStatus, String errorText) {

    /** The first value of a header (decoded), or "". */
    public String header(String name) {
        String v = root.header(name);
        return v == null ? "" : v;
    }

    /** All values of a header (decoded). */
    public List<String> headers(String name) {
        return root.headerValues(name);
    }

    /** The decoded From header, or "". */
    public String from() {
        return header("From");
    }

    /** The decoded Subject header, trimmed, or "". */
    public String subject() {
        return header("Subject").strip();
    }

    /** The report text and, when present, the delivery-status fields after it. */
    public String reportAndStatus() {
        return deliveryStatus == null ? errorText : errorText + "\n\n" + deliveryStatus;
    }
}
