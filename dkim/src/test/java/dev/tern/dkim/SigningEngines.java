package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;

/** The signing engines the tests run on: both on linux-x86_64 (where the native one must load), else pure Java. */
final class SigningEngines {
    private SigningEngines() {}

    static boolean nativeExpected() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    static List<SigningEngine> all() {
        if (nativeExpected()) {
            assertThat(SigningEngine.nativeAvailable())
                    .as("native signing engine on linux-x86_64: %s", SigningEngine.nativeUnavailableReason())
                    .isTrue();
            return List.of(SigningEngine.NATIVE, SigningEngine.JAVA);
        }
        return List.of(SigningEngine.JAVA);
    }
}
