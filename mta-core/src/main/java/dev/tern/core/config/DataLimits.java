package dev.tern.core.config;

/**
 * Limits on the message text read after DATA or BDAT ({@code injection.data}). A message that
 * breaks one is read to its real end ({@code <CRLF>.<CRLF>}), so the session stays in step,
 * then refused; nothing of it is spooled. The first problem found gives the reply:
 *
 * <ul>
 *   <li>bare LF or bare CR (a line ending that is not CRLF): {@code 550 5.6.11}, unless
 *       {@code bare_line_endings: normalize}, which turns each into CRLF. Only
 *       {@code <CRLF>.<CRLF>} ends the data in both modes: {@code <LF>.<LF>},
 *       {@code <CR>.<CR>}, {@code <LF>.<CRLF>} and {@code <CRLF>.<LF>} are message text (RFC 5321
 *       4.1.1.4 and the SMTP smuggling advisories of December 2023). Rejecting is the default, as
 *       Postfix's {@code smtpd_forbid_bare_newline}: a message with bare line endings is either
 *       broken or an attempt to hide a second message from a server that reads them differently;
 *   <li>a NUL byte: {@code 550 5.6.0};
 *   <li>a line longer than {@link #maxLineLength}: {@code 550 5.6.0 Line too long};
 *   <li>a header section longer than {@link #maxHeaderSize}: {@code 552 5.3.4};
 *   <li>a message larger than {@code injection.max_message_size}: {@code 552 5.3.4}.
 * </ul>
 *
 * <p>Why the line limit defaults to 65,536 and not RFC 5322's 998: real bulk mail exceeds 998
 * (HTML parts sent as 8bit without wrapping, long single-line JSON or CSS blocks, long
 * {@code List-Unsubscribe} or {@code Received} fields), receivers such as Gmail accept it, and
 * Tern does not rewrite messages (rewrapping would break DKIM signatures made upstream). Refusing
 * at 998 would bounce legitimate mail; the limit is there to stop abuse (a 1 MB line meant for
 * parsers that buffer lines), and 64 KiB is far above what any generator produces. It cannot be
 * set below 998, the length every SMTP server must accept (RFC 5321 4.5.3.1.6).
 *
 * @param maxLineLength    longest line accepted, in bytes without the CRLF
 * @param maxHeaderSize    largest header section (the fields before the first empty line)
 * @param bareLineEndings  what to do with a bare LF or bare CR in the message text
 * @param memoryThreshold  largest message text held in memory while it is received; past it the
 *                         text after the header section is written to the spool as it arrives
 *                         (and DKIM-signed from that stream)
 */
public record DataLimits(
        int maxLineLength, DataSize maxHeaderSize, BareLineEndings bareLineEndings, DataSize memoryThreshold)
        implements Validated {
    /** Policy for line endings other than CRLF in the message text. */
    public enum BareLineEndings {
        /** Refuse the message with 550 5.6.11. */
        REJECT,
        /** Accept it, turning every bare LF and bare CR into CRLF. */
        NORMALIZE
    }

    /**
     * The defaults: 65,536-byte lines, a 1 MiB header section, bare line endings refused, texts
     * over 1 MiB streamed to the spool.
     */
    public static DataLimits defaults() {
        return new DataLimits(65_536, DataSize.ofMebibytes(1), BareLineEndings.REJECT, DataSize.ofMebibytes(1));
    }

    @Override
    public void validate(Problems p) {
        p.min(maxLineLength, 998, "max_line_length");
        p.min(maxHeaderSize.bytes(), 1024, "max_header_size");
        p.require(maxHeaderSize.bytes() <= Integer.MAX_VALUE, "max_header_size", "must be < 2GiB");
        p.require(bareLineEndings != null, "bare_line_endings", "must be reject or normalize");
        p.min(memoryThreshold.bytes(), 64 * 1024, "memory_threshold");
        p.require(memoryThreshold.bytes() <= 1L << 30, "memory_threshold", "must be at most 1GiB");
    }
}
