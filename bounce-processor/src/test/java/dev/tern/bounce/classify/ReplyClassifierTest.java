package dev.tern.bounce.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.bounce.BounceClass;
import dev.tern.bounce.Classification;
import dev.tern.bounce.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplyClassifierTest {
    private final ReplyClassifier shipped = ReplyClassifier.shipped();

    private Classification classify(String reply, String command) {
        return shipped.classify(SmtpReply.parse(reply, command));
    }

    @Test
    void providerReplies() {
        assertThat(classify("550 5.1.1 The email account that you tried to reach does not exist. gsmtp", "RCPT")
                        .reason())
                .isEqualTo(Reason.USERUNKNOWN);
        assertThat(classify("552 5.2.2 The recipient's inbox is out of storage space", "RCPT")
                        .reason())
                .isEqualTo(Reason.MAILBOXFULL);
        assertThat(classify(
                                "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy",
                                "DATA")
                        .reason())
                .isEqualTo(Reason.AUTHFAILURE);
        assertThat(classify(
                                "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints",
                                "MAIL")
                        .reason())
                .isEqualTo(Reason.BADREPUTATION);
        assertThat(classify("550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using Spamhaus", "RCPT")
                        .reason())
                .isEqualTo(Reason.BLOCKED);
        assertThat(classify("554 5.7.1 Relay access denied", "RCPT").reason()).isEqualTo(Reason.NORELAYING);
        assertThat(classify("550 5.7.25 The IP address sending this message does not have a PTR record setup", "MAIL")
                        .reason())
                .isEqualTo(Reason.REQUIREPTR);
        assertThat(classify("421 4.7.0 Too many concurrent SMTP connections from this IP", "CONN")
                        .reason())
                .isEqualTo(Reason.TOOMANYCONN);
        assertThat(classify("552 5.3.4 Message size exceeds fixed limit", "DATA")
                        .reason())
                .isEqualTo(Reason.MESGTOOBIG);
    }

    @Test
    void hardOnlyForPermanentAddressFailures() {
        Classification unknown = classify("550 5.1.1 <a@b.example>... User unknown", "RCPT");
        assertThat(unknown.hard()).isTrue();
        assertThat(unknown.bounceClass()).isEqualTo(BounceClass.BAD_MAILBOX);
        assertThat(classify("552 5.2.2 Mailbox full", "RCPT").hard()).isFalse();
        assertThat(classify("556 5.1.10 Recipient address has null MX", "RCPT").reason())
                .isEqualTo(Reason.NOTACCEPT);
        assertThat(classify("556 5.1.10 Recipient address has null MX", "RCPT").hard())
                .isTrue();
    }

    @Test
    void transientMailboxStatusIsNotAFilter() {
        Classification c = classify("450 4.2.0 Mailbox temporarily unavailable", "RCPT");
        assertThat(c.reason()).isNotEqualTo(Reason.FILTERED);
        assertThat(c.hard()).isFalse();
        // the permanent RFC 3463 X.2.0 / X.2.4 codes are still the recipient's filter
        assertThat(shipped.classify(550, "5.2.0", "nope", "DATA").reason()).isEqualTo(Reason.FILTERED);
    }

    @Test
    void aPermanentPolicyCodeIsNotSoftenedByItsWording() {
        // 5.7.1 refusing the address itself is an unknown recipient: hard
        Classification c = classify("550 5.7.1 <a@b.example>: Recipient address rejected: Access denied", "RCPT");
        assertThat(c.reason()).isEqualTo(Reason.USERUNKNOWN);
        assertThat(c.hard()).isTrue();
        // "try again later" in a 5xx does not make it temporary, nor does it change the class
        Classification blocked = classify(
                "550 5.7.1 Service unavailable; client host [192.0.2.1] blocked using zen.spamhaus.org; try again later",
                "RCPT");
        assertThat(blocked.reason()).isEqualTo(Reason.BLOCKED);
        assertThat(shipped.classify(550, "5.7.1", "please try again later", "RCPT")
                        .reason())
                .isEqualTo(Reason.SECURITYERROR);
    }

    @Test
    void theCommandTellsWhatABareReplyIsAbout() {
        // connect / HELO: the connecting host is refused
        assertThat(shipped.classify(554, null, "go away", "CONN").reason()).isEqualTo(Reason.BLOCKED);
        assertThat(shipped.classify(550, "5.0.0", "not you", "EHLO").reason()).isEqualTo(Reason.BLOCKED);
        // MAIL: the sender; RCPT: the address; after DATA: the content
        assertThat(shipped.classify(553, "5.1.0", "neko.example does not exist", "MAIL")
                        .reason())
                .isEqualTo(Reason.REJECTED);
        assertThat(shipped.classify(550, "5.0.0", "no", "RCPT").reason()).isEqualTo(Reason.USERUNKNOWN);
        assertThat(shipped.classify(554, "5.0.0", "no", "DATA").reason()).isEqualTo(Reason.FILTERED);
        assertThat(shipped.classify(554, "5.0.0", "no", "DATA").ruleId()).isEqualTo("command:DATA:5");
        // "invalid domain name" answering EHLO is about our name, not the recipient's domain
        assertThat(classify("501 5.0.0 Invalid domain name", "EHLO").reason()).isEqualTo(Reason.BLOCKED);
    }

    @Test
    void enhancedStatusTableDecidesBeforeTheReplyCode() {
        assertThat(shipped.classify(452, "4.3.1", "x", "RCPT").reason()).isEqualTo(Reason.SYSTEMFULL);
        assertThat(shipped.classify(550, "5.7.13", "x", "RCPT").reason()).isEqualTo(Reason.SUSPEND);
        assertThat(shipped.classify(550, "5.7.27", "x", "MAIL").reason()).isEqualTo(Reason.NOTACCEPT);
        assertThat(shipped.classify(554, "5.6.7", "x", "RCPT").reason()).isEqualTo(Reason.CONTENTERROR);
    }

    @Test
    void providerRulesApplyOnlyToTheirProvider() {
        String text = "550 Mailbox unavailable or access denied";
        assertThat(shipped.classify(new SmtpReply(550, null, text, "RCPT", "mx3.qq.com"))
                        .reason())
                .isEqualTo(Reason.SPEEDING);
        assertThat(shipped.classify(new SmtpReply(550, null, text, "RCPT", "mx.example.org"))
                        .reason())
                .isNotEqualTo(Reason.SPEEDING);
        assertThat(shipped.classify(new SmtpReply(
                                554,
                                null,
                                "This IP has sent too many messages this hour. IB504",
                                "MAIL",
                                "smtp.secureserver.net"))
                        .reason())
                .isEqualTo(Reason.SPEEDING);
    }

    @Test
    void localFailuresHaveFixedClassifications() {
        assertThat(dev.tern.bounce.LocalFailure.CONNECT_REFUSED.classification().reason())
                .isEqualTo(Reason.NETWORKERROR);
        assertThat(dev.tern.bounce.LocalFailure.CONNECT_TIMEOUT.classification().bounceClass())
                .isEqualTo(BounceClass.ROUTING_ERRORS);
        assertThat(dev.tern.bounce.LocalFailure.TLS_HANDSHAKE.classification().reason())
                .isEqualTo(Reason.SECURITYERROR);
        assertThat(dev.tern.bounce.LocalFailure.DNS_SERVFAIL.classification().reason())
                .isEqualTo(Reason.SYSTEMERROR);
        assertThat(dev.tern.bounce.LocalFailure.DNS_NXDOMAIN.classification().reason())
                .isEqualTo(Reason.HOSTUNKNOWN);
        for (dev.tern.bounce.LocalFailure f : dev.tern.bounce.LocalFailure.values()) {
            Classification c = f.classification();
            assertThat(c.bounceClass()).as(f.name()).isNotEqualTo(BounceClass.SPAM_RELATED);
            assertThat(c.reason() == Reason.EXPIRED).as(f.name()).isEqualTo(f == dev.tern.bounce.LocalFailure.EXPIRED);
            assertThat(c.ruleId()).startsWith("local:");
        }
    }

    @Test
    void fallsBackOnEnhancedThenBasicCode() {
        assertThat(shipped.classify(550, "5.1.2", "nope", "RCPT").reason()).isEqualTo(Reason.HOSTUNKNOWN);
        assertThat(shipped.classify(554, "5.7.0", "nope", "DATA").reason()).isEqualTo(Reason.SECURITYERROR);
        assertThat(shipped.classify(452, null, "nope", "RCPT").reason()).isEqualTo(Reason.SYSTEMFULL);
        assertThat(shipped.classify(0, null, "", null).reason()).isEqualTo(Reason.UNDEFINED);
        assertThat(shipped.classify(0, null, "something odd", null).reason()).isEqualTo(Reason.ONHOLD);
    }

    @Test
    void operatorRulesComeFirstAndReload(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("local.yaml");
        Files.writeString(rules, """
                rules:
                  - {id: local-quota, reason: mailboxfull, text: ['zz-local-quota-code']}
                """);
        ReplyClassifier c = ReplyClassifier.withOperatorRules(List.of(rules));
        assertThat(c.classify(550, "5.1.1", "550 5.1.1 zz-local-quota-code", "RCPT")
                        .reason())
                .isEqualTo(Reason.MAILBOXFULL);
        assertThat(c.classify(550, "5.1.1", "550 5.1.1 zz-local-quota-code", "RCPT")
                        .ruleId())
                .isEqualTo("local-quota");

        Files.writeString(rules, """
                vocabulary:
                  suspend: ['zz-frozen']
                rules:
                  - {id: local-quota, reason: vacation, text: ['zz-local-quota-code']}
                """);
        c.reload();
        assertThat(c.classify(550, "5.1.1", "550 5.1.1 zz-local-quota-code", "RCPT")
                        .reason())
                .isEqualTo(Reason.VACATION);
        assertThat(c.classify(550, null, "account zz-frozen", "RCPT").reason()).isEqualTo(Reason.SUSPEND);

        Files.writeString(rules, "rules:\n  - {id: broken, reason: nosuchreason}\n");
        assertThatThrownBy(c::reload)
                .isInstanceOf(RuleLoadException.class)
                .hasMessageContaining("broken")
                .hasMessageContaining("nosuchreason");
        assertThat(c.classify(550, "5.1.1", "550 5.1.1 zz-local-quota-code", "RCPT")
                        .reason())
                .isEqualTo(Reason.VACATION);

        Files.writeString(rules, "rules:\n  - {id: badre, reason: blocked, text: ['(unclosed']}\n");
        assertThatThrownBy(c::reload).isInstanceOf(RuleLoadException.class).hasMessageContaining("badre");
    }

    @Test
    void parsesCodesFromText() {
        SmtpReply r = SmtpReply.parse("host mx.example[192.0.2.1] said: 550 5.1.1 <a@b.example>: unknown", "RCPT");
        assertThat(r.code()).isEqualTo(550);
        assertThat(r.enhancedStatus()).isEqualTo("5.1.1");
        assertThat(SmtpReply.findStatus("deferred - 4.16.55.1; see 192.0.2.1")).isNull();
    }
}
