package dev.tern.dkim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** Finds the DKIM key record published at {@code <selector>._domainkey.<domain>}. */
@FunctionalInterface
public interface KeyLookup {
    /**
     * @return the TXT record text (its character-strings joined), or null if the name does not exist
     * @throws IOException for a temporary failure (timeout, SERVFAIL): the result is TEMPERROR
     */
    String lookup(String selector, String domain) throws IOException;

    /**
     * Keys from files named {@code <selector>._domainkey.<domain>.txt} (lower-case) holding the TXT value,
     * for tests and offline tools; a missing file means "no such record".
     */
    static KeyLookup fromDirectory(Path dir) {
        return (selector, domain) -> {
            String name = (selector + "._domainkey." + domain).toLowerCase(Locale.ROOT);
            if (name.contains("/") || name.startsWith(".")) {
                return null;
            }
            try {
                return Files.readString(dir.resolve(name + ".txt"), StandardCharsets.ISO_8859_1)
                        .strip();
            } catch (NoSuchFileException e) {
                return null;
            }
        };
    }
}
