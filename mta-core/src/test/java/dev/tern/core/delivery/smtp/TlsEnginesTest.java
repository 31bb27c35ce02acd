package dev.tern.core.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Outbound TLS uses the OpenSSL engine where it loads (linux-x86_64 here), the JDK's otherwise or on request. */
class TlsEnginesTest {
    private static boolean linuxX64() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && System.getProperty("os.arch", "").matches("amd64|x86_64");
    }

    @Test
    void openSslWhereItLoadsJdkOnRequest() {
        if (linuxX64()) {
            assertThat(OpenSsl.isAvailable())
                    .as("OpenSSL engine: %s", OpenSsl.unavailabilityCause())
                    .isTrue();
        }
        SslProvider auto = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        assertThat(TlsEngines.choose("auto")).isEqualTo(auto);
        assertThat(TlsEngines.choose("openssl")).isEqualTo(auto);
        assertThat(TlsEngines.choose("JDK")).isEqualTo(SslProvider.JDK);
        assertThat(TlsEngines.choose("fast")).isEqualTo(auto);
        assertThat(TlsEngines.provider()).isEqualTo(auto); // no -Dtern.tls.engine in the tests
    }
}
