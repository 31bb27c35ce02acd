package dev.tern.bounce.mime;

/**
 * One header field, unfolded, with its raw (undecoded) value.
 *
 * @param name  field name as written
 * @param value unfolded raw value (RFC 2047 words not decoded)
 */
public record Header(String name, String value) {

    /** The value with RFC 2047 encoded words decoded. */
    public String decodedValue() {
        return EncodedWords.decode(value);
    }
}
