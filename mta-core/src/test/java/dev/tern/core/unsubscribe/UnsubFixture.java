package dev.tern.core.unsubscribe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.dkim.DkimKey;
import dev.tern.dkim.DkimVerifier;
import dev.tern.dkim.VerificationResult;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/** Keys, the one-click HTTP calls and DKIM checks shared by the unsubscribe tests. */
final class UnsubFixture {
    static final String KEY_A = "unsubscribe-secret-a-0123456789";
    static final String KEY_B = "unsubscribe-secret-b-0123456789";
    private static final Pattern URL = Pattern.compile("<https?://[^/>]+(/u/[a-z0-9]+)>");
    private static final Pattern MAILTO = Pattern.compile("<mailto:(u-[a-z0-9]+@[a-z0-9.\\-]+)>");

    private UnsubFixture() {}

    static Path rsaKey(Path file) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        byte[] der = g.generateKeyPair().getPrivate().getEncoded();
        Files.writeString(
                file,
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                        + "\n-----END PRIVATE KEY-----\n");
        return file;
    }

    static String dkimYaml(Path key) {
        return """
        dkim:
          domains:
            example.com:
              - { selector: s1, key_file: "%s", algorithm: rsa-sha256 }
        """.formatted(key);
    }

    /** The path {@code /u/TOKEN} of the message's List-Unsubscribe URL. */
    static String urlPath(String message) {
        Matcher m = URL.matcher(unfold(message));
        assertThat(m.find()).as("List-Unsubscribe URL in %s", message).isTrue();
        return m.group(1);
    }

    /** The mailto address {@code u-TOKEN@DOMAIN} of the message's List-Unsubscribe field. */
    static String mailto(String message) {
        Matcher m = MAILTO.matcher(unfold(message));
        assertThat(m.find()).as("List-Unsubscribe mailto in %s", message).isTrue();
        return m.group(1);
    }

    static String unfold(String message) {
        return message.replaceAll("\r\n[ \t]", " ");
    }

    /** The unfolded value of the first field {@code name} of a message, or null. */
    static String header(String message, String name) {
        for (String line : unfold(message).split("\r\n")) {
            if (line.isEmpty()) break;
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                return line.substring(name.length() + 1).strip();
        }
        return null;
    }

    static long count(String message, String name) {
        return unfold(message)
                .substring(0, unfold(message).indexOf("\r\n\r\n"))
                .lines()
                .filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                .count();
    }

    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static HttpResponse<String> post(InetSocketAddress server, String path, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(InetSocketAddress server, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Every DKIM signature verifies with the test key and signs the given fields. */
    static void assertSignedOver(byte[] message, Path key, String... fields) throws Exception {
        DkimKey k = DkimKey.load(key);
        DkimVerifier verifier =
                new DkimVerifier((selector, domain) -> domain.equals("example.com") ? k.dnsRecord() : null);
        List<VerificationResult> results = verifier.verify(message);
        assertThat(results).isNotEmpty().allMatch(VerificationResult::passed);
        String text = new String(message, StandardCharsets.ISO_8859_1);
        String sig = header(text, "DKIM-Signature").replaceAll("\\s", "");
        Matcher h = Pattern.compile("h=([^;]+)").matcher(sig);
        assertThat(h.find()).isTrue();
        List<String> signed =
                List.of(h.group(1).toLowerCase(java.util.Locale.ROOT).split(":"));
        for (String f : fields) assertThat(signed).as("h= of %s", sig).contains(f.toLowerCase(java.util.Locale.ROOT));
    }

    /** Independent check with python3-dkim (dkimpy), installed by scripts/install-test-tools.sh. */
    static void assertDkimpyVerifies(Path dir, byte[] message, Path key, String... fields) throws Exception {
        Assumptions.assumeTrue(
                new ProcessBuilder("/usr/bin/python3", "-c", "import dkim")
                                .start()
                                .waitFor()
                        == 0,
                "python3-dkim not installed (scripts/install-test-tools.sh)");
        Path msg = Files.write(dir.resolve("dkimpy-" + System.nanoTime() + ".eml"), message);
        String script = """
        import sys, dkim, dkim.util
        key = sys.argv[2].encode()
        data = open(sys.argv[1], 'rb').read()
        ok = dkim.DKIM(data).verify(dnsfunc=lambda name, timeout=5: key if name == b's1._domainkey.example.com.' else None)
        headers, body = dkim.rfc822_parse(data)
        sig = [v for (k, v) in headers if k.lower() == b'dkim-signature'][0]
        h = [x.strip().lower() for x in dkim.util.parse_tag_value(sig)[b'h'].split(b':')]
        missing = [n for n in sys.argv[3].encode().split(b',') if n and n not in h]
        print(ok, h, missing)
        sys.exit(0 if ok and not missing else 1)
        """;
        Process p = new ProcessBuilder(
                        "/usr/bin/python3",
                        "-c",
                        script,
                        msg.toString(),
                        DkimKey.load(key).dnsRecord(),
                        String.join(",", fields))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("dkimpy says: %s", out).isZero();
    }
}
