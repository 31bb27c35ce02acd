package dev.tern.core.inject;

import dev.tern.core.config.FileChecks;
import dev.tern.core.config.Problems;
import dev.tern.core.inject.auth.PasswordHash;
import dev.tern.core.inject.tls.KeyMaterial;
import dev.tern.core.inject.tls.ServerTls;
import dev.tern.core.inject.tls.TlsFileException;
import dev.tern.dkim.DkimKey;
import java.nio.file.Path;

/**
 * The configuration's checks of DKIM keys, the injection TLS certificate and key, and AUTH
 * password hashes, made with the code that uses them (registered in {@code META-INF/services}).
 */
public final class ConfigFileChecks implements FileChecks {
    @Override
    public void dkimKey(Path keyFile, String algorithm, Problems p) {
        try {
            String actual = DkimKey.load(keyFile).algorithm().tag();
            p.require(
                    algorithm.isEmpty() || algorithm.equals(actual),
                    "algorithm",
                    "the key in " + keyFile + " is " + actual + ", not " + algorithm);
        } catch (RuntimeException e) {
            p.add("key_file", "cannot load DKIM key " + keyFile + ": " + e.getMessage());
        }
    }

    @Override
    public void tlsKeyPair(Path certificate, Path privateKey, Problems p) {
        try {
            KeyMaterial.read(certificate, privateKey);
        } catch (TlsFileException e) {
            p.add(e.part() == TlsFileException.Part.CERTIFICATE ? "certificate" : "private_key", e.getMessage());
        }
    }

    @Override
    public void passwordHash(String hash, Problems p) {
        try {
            PasswordHash.checkFormat(hash);
        } catch (IllegalArgumentException e) {
            p.add("password_hash", e.getMessage());
        }
    }

    @Override
    public void tlsCipherSuites(java.util.List<String> suites, Problems p) {
        var supported = java.util.Set.of(ServerTls.supportedCipherSuites());
        for (int i = 0; i < suites.size(); i++) {
            if (!supported.contains(suites.get(i)))
                p.add("cipher_suites[" + i + "]", "'" + suites.get(i) + "' is not a cipher suite this JDK supports");
        }
    }
}
