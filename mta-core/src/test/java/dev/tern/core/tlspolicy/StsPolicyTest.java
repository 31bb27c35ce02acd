package dev.tern.core.tlspolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 8461 policy and discovery record parsing, and MX pattern matching. */
class StsPolicyTest {
    static final Instant T = Instant.parse("2026-12-01T00:00:00Z");

    @Test
    void parsesAPolicyWithCrlfOrLfAndIgnoresUnknownKeys() {
        StsPolicy p = StsPolicy.parse(
                "example.com",
                "id1",
                "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\nmx: *.example.net\r\nmax_age: 604800\r\nx_ext: 1\r\n",
                T);
        assertThat(p.mode()).isEqualTo(StsPolicy.Mode.ENFORCE);
        assertThat(p.mx()).containsExactly("mail.example.com", "*.example.net");
        assertThat(p.expires()).isEqualTo(T.plusSeconds(604800));
        assertThat(p.lines()).contains("version: STSv1", "x_ext: 1");
    }

    @Test
    void refusesPoliciesMissingRequiredFieldsOrWithBadValues() {
        assertThatThrownBy(() -> StsPolicy.parse("d", "i", "mode: enforce\nmx: a.d\nmax_age: 1\n", T))
                .hasMessageContaining("STSv1");
        assertThatThrownBy(() -> StsPolicy.parse("d", "i", "version: STSv1\nmode: strict\nmx: a.d\nmax_age: 1\n", T))
                .hasMessageContaining("unknown mode");
        assertThatThrownBy(() -> StsPolicy.parse("d", "i", "version: STSv1\nmode: enforce\nmax_age: 1\n", T))
                .hasMessageContaining("no mx");
        assertThatThrownBy(() -> StsPolicy.parse("d", "i", "version: STSv1\nmode: enforce\nmx: a.d\nmax_age: -5\n", T))
                .hasMessageContaining("max_age");
        assertThatThrownBy(() -> StsPolicy.parse("d", "i", "<html>not a policy</html>", T))
                .isInstanceOf(IllegalArgumentException.class);
        // mode none needs no mx; a huge max_age is capped at about a year
        StsPolicy none = StsPolicy.parse("d", "i", "version: STSv1\nmode: none\nmax_age: 9999999999\n", T);
        assertThat(none.maxAge()).isEqualTo(StsPolicy.MAX_AGE_LIMIT);
    }

    @Test
    void aWildcardStandsForExactlyOneLeftMostLabel() {
        StsPolicy p = StsPolicy.parse(
                "d", "i", "version: STSv1\nmode: enforce\nmx: *.example.com\nmx: mx.other.org\nmax_age: 60\n", T);
        assertThat(p.matches("mx1.example.com")).isTrue();
        assertThat(p.matches("MX1.Example.COM.")).isTrue();
        assertThat(p.matches("a.b.example.com")).isFalse();
        assertThat(p.matches("example.com")).isFalse();
        assertThat(p.matches("mx.other.org")).isTrue();
        assertThat(p.matches("mx.other.org.evil.test")).isFalse();
    }

    @Test
    void discoveryNeedsExactlyOneStsRecordWithAValidId() {
        assertThat(StsPolicy.discoveryId(List.of("v=STSv1; id=20160831085700Z;")))
                .isEqualTo("20160831085700Z");
        assertThat(StsPolicy.discoveryId(List.of("v=spf1 -all", "v=STSv1; id=abc")))
                .isEqualTo("abc");
        assertThat(StsPolicy.discoveryId(List.of("v=STSv1; id=a", "v=STSv1; id=b")))
                .isNull();
        assertThat(StsPolicy.discoveryId(List.of("v=STSv1; id=has-dash"))).isNull();
        assertThat(StsPolicy.discoveryId(List.of())).isNull();
    }

    @Test
    void tlsRptRuaNeedsOneRecord() {
        assertThat(TlsReportSender.rua(List.of("v=TLSRPTv1; rua=mailto:a@x.test,https://r.test/tls")))
                .containsExactly("mailto:a@x.test", "https://r.test/tls");
        assertThat(TlsReportSender.rua(List.of("v=TLSRPTv1; rua=mailto:a@x.test", "v=TLSRPTv1; rua=mailto:b@x.test")))
                .isEmpty();
        assertThat(TlsReportSender.rua(List.of("v=spf1 -all"))).isEmpty();
    }
}
