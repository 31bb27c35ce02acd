package dev.tern.core.inject.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PasswordHashTest {
    @Test
    void verifiesTheArgon2ReferenceVector() {
        // phc-winner-argon2 src/test.c: password "password", salt "somesalt", t=2, m=64 MiB, p=1
        String reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        assertThat(PasswordHash.verify("password".toCharArray(), reference)).isTrue();
        assertThat(PasswordHash.verify("passwore".toCharArray(), reference)).isFalse();
    }

    @Test
    void verifiesABcryptVector() {
        // Openwall crypt_blowfish test vector
        String hash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        assertThat(PasswordHash.verify("U*U".toCharArray(), hash)).isTrue();
        assertThat(PasswordHash.verify("U*V".toCharArray(), hash)).isFalse();
        PasswordHash.checkFormat(hash);
    }

    @Test
    void madeHashesAreSaltedSelfDescribingAndVerify() {
        String a = PasswordHash.argon2id("s3cret-ü".toCharArray(), 256, 1, 1);
        String b = PasswordHash.argon2id("s3cret-ü".toCharArray(), 256, 1, 1);
        assertThat(a).startsWith("$argon2id$v=19$m=256,t=1,p=1$").isNotEqualTo(b);
        PasswordHash.checkFormat(a);
        assertThat(PasswordHash.verify("s3cret-ü".toCharArray(), a)).isTrue();
        assertThat(PasswordHash.verify("s3cret-u".toCharArray(), a)).isFalse();
        assertThat(PasswordHash.verify("".toCharArray(), a)).isFalse();
        assertThat(PasswordHash.like(a, "x".toCharArray())).startsWith("$argon2id$v=19$m=256,t=1,p=1$");
    }

    @Test
    void clearPasswordsAndAbsurdCostsAreNotHashes() {
        assertThatThrownBy(() -> PasswordHash.checkFormat("secret")).hasMessageContaining("tern auth hash-password");
        assertThatThrownBy(() -> PasswordHash.checkFormat(null)).hasMessage("is required");
        assertThatThrownBy(() -> PasswordHash.checkFormat(
                        "$argon2id$v=19$m=99999999,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"))
                .hasMessageContaining("cost out of range");
        assertThat(PasswordHash.verify("secret".toCharArray(), "secret")).isFalse();
        assertThat(PasswordHash.verify("x".toCharArray(), null)).isFalse();
    }
}
