package dev.tern.core.config;

/**
 * Limits on the message text read after DATA ({@code injection.data}).
 *
 * @param maxLineLength longest line accepted, in bytes without the CRLF
 */
public record DataLimits(int maxLineLength) implements Validated {
  static DataLimits defaults() {
    return new DataLimits(998);
  }

  @Override
  public void validate(Problems p) {
    p.min(maxLineLength, 78, "max_line_length");
  }
}
