package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key loading: PKCS#1, PKCS#8 (RSA, Ed25519), bare Ed25519 seed, and clear errors. */
class DkimKeyTest {

    static String pem(Object o) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }

    static KeyPair rsaPair(int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits);
        return g.generateKeyPair();
    }

    @Test
    void formats() throws Exception {
        KeyPair pair = rsaPair(2048);
        String pkcs1 = pem(pair); // "RSA PRIVATE KEY"
        String pkcs8 = pem(new JcaPKCS8Generator(pair.getPrivate(), null)); // "PRIVATE KEY"
        assertThat(pkcs1).contains("BEGIN RSA PRIVATE KEY");
        assertThat(pkcs8).contains("BEGIN PRIVATE KEY");
        DkimKey a = DkimKey.parse(pkcs1);
        DkimKey b = DkimKey.parse(pkcs8);
        assertThat(a.algorithm()).isEqualTo(DkimAlgorithm.RSA_SHA256);
        assertThat(a.bits()).isEqualTo(2048);
        assertThat(a.dnsRecord()).isEqualTo(b.dnsRecord()).startsWith("v=DKIM1; k=rsa; p=MIIBIjAN");

        DkimKey edPem = DkimKey.load(TestFiles.dir("rfc8463/ed25519.brisbane.private.pem"));
        DkimKey edSeed = DkimKey.parse("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n");
        assertThat(edPem.algorithm()).isEqualTo(DkimAlgorithm.ED25519_SHA256);
        assertThat(edSeed.publicKeyBase64())
                .isEqualTo(edPem.publicKeyBase64())
                .isEqualTo("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    }

    @Test
    void errors(@TempDir Path dir) throws Exception {
        String small = pem(rsaPair(512));
        assertThatThrownBy(() -> DkimKey.parse(small))
                .isInstanceOf(DkimKeyException.class)
                .hasMessageContaining("512 bits is too small");
        assertThatThrownBy(() -> DkimKey.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> DkimKey.parse("not a key!")).hasMessageContaining("neither PEM nor base64");
        assertThatThrownBy(() -> DkimKey.parse("AAAA")).hasMessageContaining("32-byte Ed25519 seed");
        assertThatThrownBy(() -> DkimKey.parse(pem(rsaPair(1024).getPublic()))).hasMessageContaining("public key");
        assertThatThrownBy(() -> DkimKey.parse("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
                .isInstanceOf(DkimKeyException.class);
        Path file = dir.resolve("broken.pem");
        Files.writeString(file, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> DkimKey.load(file))
                .isInstanceOf(DkimKeyException.class)
                .hasMessageContaining(file.toString());
        assertThatThrownBy(() -> DkimKey.load(dir.resolve("missing.pem"))).hasMessageContaining("cannot read");
    }

    @Test
    void generatedKeysSign() {
        assertThat(DkimKey.generateRsa(2048).bits()).isEqualTo(2048);
        assertThat(DkimKey.generateEd25519().dnsRecord()).startsWith("v=DKIM1; k=ed25519; p=");
        assertThatThrownBy(() -> DkimKey.generateRsa(768)).hasMessageContaining("too small");
    }
}
