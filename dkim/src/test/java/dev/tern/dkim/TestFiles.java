package dev.tern.dkim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Access to the copied test corpora under src/test/resources/dkim. */
final class TestFiles {
    private TestFiles() {}

    static Path dir(String relative) {
        try {
            return Paths.get(TestFiles.class.getResource("/dkim/" + relative).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource dkim/" + relative, e);
        }
    }

    static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(dir(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String relative) {
        return new String(bytes(relative), StandardCharsets.ISO_8859_1);
    }

    /** SMTP carries CRLF: files stored with bare LF line ends are converted, CRLF files are left alone. */
    static byte[] crlf(byte[] message) {
        String s = new String(message, StandardCharsets.ISO_8859_1);
        if (s.contains("\r\n")) {
            return message;
        }
        return s.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The value of one tag in a signature field (whitespace removed). */
    static String tag(String field, String name) {
        Matcher m = Pattern.compile("(?:^|[;:\\s])" + Pattern.quote(name) + "=([^;]*)")
                .matcher(field);
        if (!m.find()) {
            return null;
        }
        return m.group(1).replaceAll("\\s+", "");
    }

    /** Minimal reader of the flat JSON objects in manifest.jsonl lines: top-level string and boolean fields. */
    static Map<String, String> jsonFields(String line) {
        Map<String, String> out = new HashMap<>();
        Matcher m = Pattern.compile("\"(\\w+)\": (\"((?:[^\"\\\\]|\\\\.)*)\"|true|false|null|-?\\d+)")
                .matcher(line);
        while (m.find()) {
            out.putIfAbsent(m.group(1), m.group(3) != null ? m.group(3) : m.group(2));
        }
        return out;
    }
}
