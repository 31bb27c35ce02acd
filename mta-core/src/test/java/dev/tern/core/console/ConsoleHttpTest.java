package dev.tern.core.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.admin.TernFixture;
import dev.tern.testkit.smtp.SmtpSink;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console over plain HTTP against an in-process Tern: login, cookie attributes, refusals
 * without a session, with a forged CSRF token or from a foreign origin, output escaping, logout
 * and token rotation. (The browser test, {@link ConsoleBrowserTest}, covers the pages end to end.)
 */
class ConsoleHttpTest {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    @TempDir
    static Path dir;

    static SmtpSink sink;
    static TernFixture f;
    static String site;
    final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeAll
    static void start() throws Exception {
        sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
        f = new TernFixture(dir, sink.port());
        site = "route:127.0.0.1:" + sink.port();
    }

    @AfterAll
    static void stop() {
        if (f != null) f.close();
        if (sink != null) sink.close();
    }

    @Test
    void pagesWithoutASessionRedirectToTheLoginForm() throws Exception {
        for (String p : new String[] {"/console", "/console/", "/console/destinations", "/console/messages?q=x"}) {
            HttpResponse<String> r = get(p, null);
            assertThat(r.statusCode()).as(p).isEqualTo(303);
            assertThat(r.headers().firstValue("location")).hasValue("/console/login");
        }
        HttpResponse<String> login = get("/console/login", null);
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.body()).contains("name=\"token\"").doesNotContain("name=\"csrf\"");
        assertThat(login.headers().firstValue("content-security-policy"))
                .hasValueSatisfying(v -> assertThat(v).contains("default-src 'none'"));
    }

    @Test
    void aWrongTokenIsRefusedAndTheRightOneSetsAStrictHttpOnlyCookie() throws Exception {
        HttpResponse<String> wrong = post("/console/login", null, Map.of("token", f.token + "x"), null);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("Wrong token.");
        assertThat(wrong.headers().firstValue("set-cookie")).isEmpty();

        HttpResponse<String> ok = post("/console/login", null, Map.of("token", f.token), null);
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(ok.headers().firstValue("location")).hasValue("/console/");
        String setCookie = ok.headers().firstValue("set-cookie").orElseThrow();
        assertThat(setCookie).startsWith(Console.COOKIE + "=").doesNotContain(f.token);
        assertThat(setCookie.toLowerCase()).contains("; httponly", "; samesite=strict", "; path=/console");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        HttpResponse<String> overview = get("/console/", cookie);
        assertThat(overview.statusCode()).isEqualTo(200);
        assertThat(overview.body()).contains("<h1>Overview</h1>", "Busiest destinations", "delivered");
    }

    @Test
    void stateChangesNeedTheSessionAndItsCsrfToken() throws Exception {
        String cookie = login();
        String csrf = csrf(get("/console/destinations", cookie).body());
        String key = site;

        HttpResponse<String> noCookie =
                post("/console/destinations/suspend", null, Map.of("csrf", csrf, "key", key), null);
        assertThat(noCookie.statusCode()).isEqualTo(403);
        assertThat(noCookie.body()).contains("Not logged in");

        HttpResponse<String> forged = post(
                "/console/destinations/suspend", cookie, Map.of("csrf", csrf.substring(1) + "A", "key", key), null);
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("Invalid or missing CSRF token");
        HttpResponse<String> missing = post("/console/destinations/suspend", cookie, Map.of("key", key), null);
        assertThat(missing.statusCode()).isEqualTo(403);
        HttpResponse<String> foreign =
                post("/console/destinations/suspend", cookie, Map.of("csrf", csrf, "key", key), "http://evil.example");
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(suspendedSites()).doesNotContain(key);

        HttpResponse<String> ok = post("/console/destinations/suspend", cookie, Map.of("csrf", csrf, "key", key), null);
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(ok.headers().firstValue("location")).hasValue("/console/destinations");
        assertThat(suspendedSites()).contains(key);
        String page = get("/console/destinations", cookie).body();
        assertThat(page).contains("Done: suspend site:" + key, "action=\"/console/destinations/resume\"");

        assertThat(post("/console/destinations/resume", cookie, Map.of("csrf", csrf, "key", key), null)
                        .statusCode())
                .isEqualTo(303);
        assertThat(suspendedSites()).doesNotContain(key);
    }

    @Test
    void aDomainHoldIsListedAndResumedFromTheDestinationsPage() throws Exception {
        assertThat(f.call("POST", "/api/v1/suspend", "{\"target\":\"domain:held.test\"}")
                        .status())
                .isEqualTo(200);
        String cookie = login();
        String page = get("/console/destinations", cookie).body();
        assertThat(page).contains("data-target=\"domain:held.test\"");
        assertThat(Queues.holdsText(f.call("GET", "/api/v1/queues", null).json()))
                .contains("held.test");
        HttpResponse<String> r =
                post("/console/holds/release", cookie, Map.of("csrf", csrf(page), "target", "domain:held.test"), null);
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(get("/console/destinations", cookie).body())
                .contains("Done: resume domain:held.test.")
                .doesNotContain("data-target=\"domain:held.test\"");
        assertThat(Queues.holdsText(f.call("GET", "/api/v1/queues", null).json()))
                .doesNotContain("held.test");
    }

    @Test
    void everythingShownIsHtmlEscaped() throws Exception {
        String cookie = login();
        String csrf = csrf(get("/console/suppressions", cookie).body());
        String evil = "\"><script>alert(1)</script>@evil.test";
        HttpResponse<String> add = post(
                "/console/suppressions/add", cookie, Map.of("csrf", csrf, "address", evil, "reason", "<b>x</b>"), null);
        assertThat(add.statusCode()).isEqualTo(303);
        String page = get("/console/suppressions?q=" + URLEncoder.encode("\"><", StandardCharsets.UTF_8), cookie)
                .body();
        assertThat(page)
                .doesNotContain("<script>", "<b>x</b>")
                .contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@evil.test", "&lt;b&gt;x&lt;/b&gt;");

        String search = get(
                        "/console/messages?q=" + URLEncoder.encode("\"><img src=x>", StandardCharsets.UTF_8), cookie)
                .body();
        assertThat(search).doesNotContain("<img src=x>").contains("value=\"&quot;&gt;&lt;img src&#61;x&gt;\"");

        // remove it again through the console
        HttpResponse<String> remove =
                post("/console/suppressions/remove", cookie, Map.of("csrf", csrf, "tenant", "", "address", evil), null);
        assertThat(remove.statusCode()).isEqualTo(303);
        assertThat(f.tern.spool().suppression("", evil.toLowerCase())).isEmpty();
    }

    @Test
    void logoutEndsTheSession() throws Exception {
        String cookie = login();
        String csrf = csrf(get("/console/", cookie).body());
        HttpResponse<String> out = post("/console/logout", cookie, Map.of("csrf", csrf), null);
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.headers().firstValue("set-cookie"))
                .hasValueSatisfying(v -> assertThat(v).contains("Max-Age=0"));
        assertThat(get("/console/", cookie).statusCode()).isEqualTo(303);
    }

    @Test
    void aReloadWithANewTokenEndsSessions() throws Exception {
        String cookie = login();
        String yaml = Files.readString(f.configFile);
        try {
            Files.writeString(f.configFile, yaml.replace(f.token, "rotated-token-987654321"));
            assertThat(f.call("POST", "/api/v1/reload", null).status()).isEqualTo(200);
            assertThat(get("/console/", cookie).statusCode()).isEqualTo(303);
        } finally {
            Files.writeString(f.configFile, yaml);
            assertThat(f.call("POST", "/api/v1/reload", null, "rotated-token-987654321")
                            .status())
                    .isEqualTo(200);
        }
    }

    private String login() throws Exception {
        HttpResponse<String> ok = post("/console/login", null, Map.of("token", f.token), null);
        assertThat(ok.statusCode()).isEqualTo(303);
        String c = ok.headers().firstValue("set-cookie").orElseThrow();
        return c.substring(0, c.indexOf(';'));
    }

    private static String csrf(String html) {
        Matcher m = CSRF.matcher(html);
        assertThat(m.find()).as("a CSRF field in " + html).isTrue();
        return m.group(1);
    }

    private List<String> suspendedSites() throws Exception {
        return Queues.suspendedSites(f.call("GET", "/api/v1/queues", null).json());
    }

    private HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(f.adminUrl() + path))
                .timeout(Duration.ofSeconds(20))
                .GET();
        if (cookie != null) b.header("Cookie", cookie);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String cookie, Map<String, String> form, String origin)
            throws Exception {
        String body = new LinkedHashMap<>(form)
                .entrySet().stream()
                        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                        .collect(Collectors.joining("&"));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(f.adminUrl() + path))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) b.header("Cookie", cookie);
        if (origin != null) b.header("Origin", origin);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
