package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;

/** The RSA engines the tests run on: both on linux-x86_64 (where the native one must load), else the JDK's. */
final class RsaEngines {
    private RsaEngines() {}

    static boolean nativeExpected() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    static List<RsaEngine> all() {
        if (nativeExpected()) {
            assertThat(RsaEngine.nativeAvailable())
                    .as("native RSA engine on linux-x86_64: %s", RsaEngine.nativeUnavailableReason())
                    .isTrue();
            return List.of(RsaEngine.NATIVE, RsaEngine.JAVA);
        }
        return List.of(RsaEngine.JAVA);
    }
}
