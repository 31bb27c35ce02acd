package dev.tern.core.inject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The header section of a message as raw fields (folding kept byte for byte), so Tern can
 * read and remove its own {@code X-Tern-*} control headers without touching anything else.
 */
final class HeaderBlock {
  /** A header field: its name and the raw bytes of the whole field, CRLF included. */
  record Field(String name, byte[] raw) {
    String value() {
      String s = new String(raw, StandardCharsets.UTF_8);
      int colon = s.indexOf(':');
      return s.substring(colon + 1).replaceAll("\r?\n[ \t]", " ").trim();
    }
  }

  private final List<Field> fields;
  private final int bodyOffset;

  private HeaderBlock(List<Field> fields, int bodyOffset) {
    this.fields = fields;
    this.bodyOffset = bodyOffset;
  }

  /** Splits {@code message} into header fields and the offset where the body (after the blank line) starts. */
  static HeaderBlock parse(byte[] message) {
    List<Field> fields = new ArrayList<>();
    int pos = 0;
    int n = message.length;
    while (pos < n) {
      // blank line ends the header section
      if (message[pos] == '\r' && pos + 1 < n && message[pos + 1] == '\n') return new HeaderBlock(fields, pos + 2);
      if (message[pos] == '\n') return new HeaderBlock(fields, pos + 1);
      int start = pos;
      int end = lineEnd(message, pos);
      // continuation lines start with SP or HTAB
      while (end < n && (message[end] == ' ' || message[end] == '\t')) end = lineEnd(message, end);
      int colon = -1;
      for (int i = start; i < end; i++) {
        if (message[i] == ':') { colon = i; break; }
        if (message[i] == '\r' || message[i] == '\n') break;
      }
      if (colon <= start) {
        // not a header field: the header section ended without a blank line
        return new HeaderBlock(fields, start);
      }
      String name = new String(message, start, colon - start, StandardCharsets.US_ASCII).trim();
      byte[] raw = java.util.Arrays.copyOfRange(message, start, end);
      fields.add(new Field(name, raw));
      pos = end;
    }
    return new HeaderBlock(fields, n);
  }

  private static int lineEnd(byte[] m, int from) {
    for (int i = from; i < m.length; i++) if (m[i] == '\n') return i + 1;
    return m.length;
  }

  List<Field> fields() {
    return fields;
  }

  int bodyOffset() {
    return bodyOffset;
  }

  /** The first value of each header whose lower-cased name starts with {@code prefix}. */
  Map<String, String> valuesWithPrefix(String prefix) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Field f : fields) {
      String lower = f.name().toLowerCase(Locale.ROOT);
      if (lower.startsWith(prefix)) out.putIfAbsent(lower, f.value());
    }
    return out;
  }

  String first(String name) {
    for (Field f : fields) if (f.name().equalsIgnoreCase(name)) return f.value();
    return null;
  }

  /**
   * Rebuilds the message: {@code prepend} first, then every field whose name does not start
   * with {@code dropPrefix} (lower case), then the original separator line and body.
   */
  byte[] rebuild(byte[] message, byte[] prepend, String dropPrefix) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(message.length + prepend.length + 64);
    out.writeBytes(prepend);
    for (Field f : fields) {
      if (!f.name().toLowerCase(Locale.ROOT).startsWith(dropPrefix)) out.writeBytes(f.raw());
    }
    int headerEnd = fields.isEmpty() ? 0 : endOfFields(message);
    out.write(message, headerEnd, message.length - headerEnd);
    return out.toByteArray();
  }

  private int endOfFields(byte[] message) {
    // the fields are contiguous from offset 0; their total length gives the end
    int len = 0;
    for (Field f : fields) len += f.raw().length;
    return len;
  }
}
