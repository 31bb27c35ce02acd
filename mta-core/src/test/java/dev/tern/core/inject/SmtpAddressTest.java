package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.subethamail.smtp.RejectException;

/** RFC 5321 mailbox syntax and length limits, and the replies they give at MAIL and RCPT. */
class SmtpAddressTest {
    @ParameterizedTest
    @ValueSource(
            strings = {
                "a@example.com", "first.last@sub.example.co.uk", "user+tag@x.test", "o'brien@x.test",
                "!#$%&'*+-/=?^_`{|}~@x.test", "\"quoted string\"@x.test", "\"a\\\"b\"@x.test", "\"a..b\"@x.test",
                "a@[192.0.2.1]", "a@[IPv6:2001:db8::1]", "a@[tag:some-data]", "a@xn--bcher-kva.example",
                "jürgen@bücher.example", "用户@例子.广告", "a@1.2.3.4.example", "a@a-b.c"
            })
    void valid(String address) throws Exception {
        SmtpAddress a = SmtpAddress.parse(address);
        assertThat(a.toString()).isEqualTo(address);
        assertThat(SmtpAddress.checkRecipient(address)).isEqualTo(address);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "no-at-sign",
                "@x.test",
                "a@",
                "a@@x.test",
                ".a@x.test",
                "a.@x.test",
                "a..b@x.test",
                "a b@x.test",
                "a@-x.test",
                "a@x-.test",
                "a@x..test",
                "a@.x.test",
                "a@x.test.",
                "a@x_y.test",
                "a@x test",
                "a(b)@x.test",
                "a,b@x.test",
                "a@[1.2.3]",
                "a@[256.1.1.1]",
                "a@[IPv6:zz::1]",
                "a@[1.2.3.4",
                "\"unterminated@x.test",
                "\"\"@x.test",
                "\"a\u0001\"@x.test",
                "a@x.test>",
                "<a@x.test>",
                "a\r\n@x.test",
                "a@b@c.test"
            })
    void invalidSyntaxGets501(String address) {
        assertThatThrownBy(() -> SmtpAddress.checkRecipient(address))
                .isInstanceOf(RejectException.class)
                .satisfies(e ->
                        assertThat(((RejectException) e).getErrorResponse()).startsWith("501 5.1.3"));
        assertThatThrownBy(() -> SmtpAddress.checkSender(address))
                .isInstanceOf(RejectException.class)
                .satisfies(e ->
                        assertThat(((RejectException) e).getErrorResponse()).startsWith("501 5.1.7"));
    }

    @Test
    void lengthLimitsGet553() throws Exception {
        String local64 = "l".repeat(64);
        String label63 = "d".repeat(63);
        // 64-octet local part and 63-octet labels are fine
        SmtpAddress.parse(local64 + "@" + label63 + ".test");
        for (String tooLong : new String[] {
            "l".repeat(65) + "@x.test", // local part > 64
            "a@" + "d".repeat(64) + ".test", // label > 63
            "a@" + (label63 + ".").repeat(4) + "test", // domain > 255
            local64 + "@" + (label63 + ".").repeat(3) + "d".repeat(60), // path > 256 with the brackets
            "ü".repeat(33) + "@x.test"
        }) { // 66 octets in UTF-8
            assertThatThrownBy(() -> SmtpAddress.checkRecipient(tooLong))
                    .isInstanceOf(RejectException.class)
                    .satisfies(e ->
                            assertThat(((RejectException) e).getErrorResponse()).startsWith("553 5.1.3"));
        }
    }

    @Test
    void nullReversePathOnlyForTheSender() throws Exception {
        assertThat(SmtpAddress.checkSender("")).isEmpty();
        assertThat(SmtpAddress.checkSender(null)).isEmpty();
        assertThatThrownBy(() -> SmtpAddress.checkRecipient("")).isInstanceOf(RejectException.class);
    }

    @Test
    void refusalsDoNotEchoControlCharacters() {
        assertThatThrownBy(() -> SmtpAddress.checkRecipient("a\rb\n@x.test"))
                .isInstanceOf(RejectException.class)
                .satisfies(e ->
                        assertThat(((RejectException) e).getErrorResponse()).doesNotContain("\r", "\n"));
    }
}
