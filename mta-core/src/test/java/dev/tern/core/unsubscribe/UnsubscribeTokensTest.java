package dev.tern.core.unsubscribe;

import static dev.tern.core.unsubscribe.UnsubFixture.KEY_A;
import static dev.tern.core.unsubscribe.UnsubFixture.KEY_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.feedback.UnsubscribeTokens;
import dev.tern.core.inject.MessageIds;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Unsubscribe tokens: bound to tenant, campaign and recipient, rotation, strict parsing; config errors name the key. */
class UnsubscribeTokensTest {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

    @Test
    void aTokenVerifiesOnlyForWhatItWasMadeFor() {
        UnsubscribeTokens a = new UnsubscribeTokens(Map.of("a", KEY_A), "a");
        String id = MessageIds.next();
        String token = a.encode(id, "acme", "spring", "R@Dest.test", 1_800_000_000_000L);
        assertThat(("u-" + token).length()).isLessThanOrEqualTo(64);
        var claim = a.parse(token).orElseThrow();
        assertThat(claim.messageId()).isEqualTo(id);
        assertThat(claim.issuedAtMillis()).isEqualTo(1_800_000_000_000L / 60_000 * 60_000);
        assertThat(a.verify(claim, "acme", "spring", "r@dest.test")).isTrue();
        assertThat(a.verify(a.parse(token.toUpperCase()).orElseThrow(), "acme", "spring", "r@dest.test"))
                .isTrue();
        assertThat(a.parse("u-" + token + "@unsub.example.com")).isPresent();
        assertThat(a.verify(claim, "globex", "spring", "r@dest.test")).isFalse();
        assertThat(a.verify(claim, "acme", "autumn", "r@dest.test")).isFalse();
        assertThat(a.verify(claim, "acme", "spring", "s@dest.test")).isFalse();
        // any one character changed: unparsable, or its MAC fails for the same claim
        for (int i = 1; i < token.length(); i++) {
            for (char c : new char[] {ALPHABET.charAt(0), ALPHABET.charAt(31)}) {
                if (token.charAt(i) == c) continue;
                String t = token.substring(0, i) + c + token.substring(i + 1);
                assertThat(a.parse(t).filter(x -> a.verify(x, "acme", "spring", "r@dest.test")))
                        .as(t)
                        .isEmpty();
            }
        }
        assertThat(a.parse(token + "a")).isEmpty();
        assertThat(a.parse("")).isEmpty();
        assertThat(a.parse(null)).isEmpty();
    }

    @Test
    void theCurrentKeySignsEveryKeyVerifiesARetiredKeyNothing() {
        String id = MessageIds.next();
        String old = new UnsubscribeTokens(Map.of("a", KEY_A), "a").encode(id, "", "", "r@dest.test", 0);
        UnsubscribeTokens both = new UnsubscribeTokens(Map.of("a", KEY_A, "b", KEY_B), "b");
        assertThat(both.encode(id, "", "", "r@dest.test", 0)).startsWith("b");
        assertThat(both.verify(both.parse(old).orElseThrow(), "", "", "r@dest.test"))
                .isTrue();
        UnsubscribeTokens onlyB = new UnsubscribeTokens(Map.of("b", KEY_B), "b");
        assertThat(onlyB.parse(old)).isEmpty();
        // the same id under another secret with a known key id does not verify
        UnsubscribeTokens other = new UnsubscribeTokens(Map.of("a", KEY_B), "a");
        assertThat(other.verify(other.parse(old).orElseThrow(), "", "", "r@dest.test"))
                .isFalse();
    }

    @Test
    void configShowHidesTheKeysAndReadsBack() {
        var config = ConfigLoader.parse("""
                unsubscribe:
                  enabled: true
                  url: https://unsub.example.com
                  keys: { a: "%s" }
                  rate_per_address: 5/s
                  tenants: { acme: { enabled: false, campaigns: { news: true } } }
                """.formatted(KEY_A), "t");
        String shown = dev.tern.core.config.ConfigYaml.render(config, false);
        assertThat(shown).doesNotContain(KEY_A).contains("a: \"<hidden>\"").contains("rate_per_address: 5/s");
        assertThat(config.unsubscribe().applies(false, "acme", "news")).isTrue();
        assertThat(config.unsubscribe().applies(false, "acme", "other")).isFalse();
        assertThat(config.unsubscribe().applies(true, "globex", null)).isFalse();
        assertThat(config.unsubscribe().applies(false, "globex", null)).isTrue();
    }

    @Test
    void badConfigurationNamesTheKey() {
        assertThatThrownBy(() -> ConfigLoader.parse("""
                unsubscribe:
                  enabled: true
                  keys: { A: short }
                  current_key: z
                  url: "ftp://x"
                  mailto_domain: "not a domain"
                  existing: sometimes
                  lanes: [bulk, cheap]
                  token_ttl: 1s
                  max_request_size: 10MiB
                  tenants: { acme: { enabled: maybe } }
                  certificate: /nonexistent/cert.pem
                """, "t"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(String.join("\n", e.problems()))
                                .contains("unsubscribe.keys.A: key ids are one character 0-9 or a-z")
                                .contains("unsubscribe.keys.A: secret must be at least 16 characters")
                                .contains("unsubscribe.current_key: must name one of keys")
                                .contains("unsubscribe.url: must be an http(s) URL")
                                .contains("unsubscribe.mailto_domain: not a domain name")
                                .contains("unsubscribe.existing: expected one of keep, replace, refuse")
                                .contains("unsubscribe.lanes[1]: expected one of bulk, transactional")
                                .contains("unsubscribe.token_ttl: must be at least 1m")
                                .contains("unsubscribe.max_request_size: must be in 1KiB..1MiB")
                                .contains("unsubscribe.tenants.acme.enabled: expected true or false")
                                .contains("unsubscribe.private_key: certificate and private_key go together"));
        assertThatThrownBy(() -> ConfigLoader.parse("unsubscribe: { enabled: true }\n", "t"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(String.join("\n", e.problems()))
                                .contains("unsubscribe.keys: at least one key is required when enabled is true")
                                .contains("unsubscribe.url: give url or mailto_domain"));
        assertThatThrownBy(() -> ConfigLoader.parse("unsubscribe: { listen: 127.0.0.1:0 }\n", "t"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(String.join("\n", e.problems())).contains("unsubscribe.listen: needs keys"));
        assertThatThrownBy(() -> ConfigLoader.parse("injection: { headers: { require_from: 1 } }\n", "t"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(String.join("\n", e.problems()))
                                .contains("injection.headers.require_from: expected true or false"));
    }
}
