package dev.tern.core.config;

import java.nio.file.Path;
import java.util.ServiceLoader;

/**
 * Checks of what a configuration names that only the code using it can make: a DKIM key file
 * loads, a TLS certificate and key belong together, a password hash has the right format, a
 * cipher suite is supported. The
 * configuration stays plain data: the packages that own that code provide the checks (through
 * {@link ServiceLoader}, {@code META-INF/services}), and validation calls them where the key path
 * of the value is known. Without a provider on the class path these checks are skipped.
 */
public interface FileChecks {
    /** Adds problems at {@code key_file} or {@code algorithm} (relative to {@code p}). */
    void dkimKey(Path keyFile, String algorithm, Problems p);

    /** Adds problems at {@code certificate} or {@code private_key}; both files exist. */
    void tlsKeyPair(Path certificate, Path privateKey, Problems p);

    /** Adds problems at {@code password_hash}. */
    void passwordHash(String hash, Problems p);

    /** Adds a problem at {@code cipher_suites[i]} for each suite the TLS implementation does not support. */
    void tlsCipherSuites(java.util.List<String> suites, Problems p);

    /** Checks nothing. */
    FileChecks NONE = new FileChecks() {
        @Override
        public void dkimKey(Path keyFile, String algorithm, Problems p) {}

        @Override
        public void tlsKeyPair(Path certificate, Path privateKey, Problems p) {}

        @Override
        public void passwordHash(String hash, Problems p) {}

        @Override
        public void tlsCipherSuites(java.util.List<String> suites, Problems p) {}
    };

    /** The provider on the class path, or {@link #NONE}. */
    static FileChecks installed() {
        final class Holder {
            static final FileChecks INSTALLED = ServiceLoader.load(FileChecks.class, FileChecks.class.getClassLoader())
                    .findFirst()
                    .orElse(NONE);
        }
        return Holder.INSTALLED;
    }
}
