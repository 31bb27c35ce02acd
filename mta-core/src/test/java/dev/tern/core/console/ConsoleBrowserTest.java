package dev.tern.core.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (headless Chromium through chromedriver, Debian packages
 * {@code chromium} and {@code chromium-driver}, installed by {@code scripts/install-test-tools.sh}):
 * log in, see a destination whose mail stays queued (its route points at a closed port), suspend
 * and resume it, look a delivered message up by its Message-ID and see its delivery event, and be
 * refused without the session cookie and with a forged CSRF token. Saves a screenshot of each
 * page to {@code target/console-screenshots/}.
 *
 * <p>Tagged {@code slow} (runs in {@code bin/tern test}); skipped, saying why, only when chromium
 * or chromedriver is not installed.
 */
@Tag("slow")
@Tag("browser")
class ConsoleBrowserTest {
    private static final String TOKEN = "browser-test-token-0123456789";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target", "console-screenshots");
    private static final String MESSAGE_ID = "<console-test-1@inject.test>";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static SmtpSink sink;
    static TernServer tern;
    static ChromeDriver browser;
    static String base;
    static String stuckKey;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium or chromedriver not installed (" + CHROMIUM + ", " + CHROMEDRIVER
                        + "): run scripts/install-test-tools.sh as root (apt-get install chromium chromium-driver)");
        sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens there once closed: connection refused
        }
        stuckKey = "route:127.0.0.1:" + closed;
        Path config = dir.resolve("tern.yaml");
        Files.writeString(
                config, """
                server: { hostname: tern.test }
                spool: { directory: "%s", min_free_disk: 1MiB }
                injection: { listen: 127.0.0.1:0 }
                admin: { listen: 127.0.0.1:0, token: "%s" }
                events: { log: "%s" }
                delivery:
                  retry: { initial: 10m, multiplier: 2.0, max: 1h, jitter: 0.1 }
                  timeouts: { connect: 2s, banner: 5s, ehlo: 5s, mail: 5s, rcpt: 5s, data_init: 5s, data_block: 5s, data_end: 10s, quit: 2s }
                routes:
                  "stuck.test": 127.0.0.1:%d
                  "*": 127.0.0.1:%d
                """.formatted(dir.resolve("spool"), TOKEN, dir.resolve("events.jsonl"), closed, sink.port()));
        tern = TernServer.start(ConfigLoader.load(config), Clock.systemUTC(), config);
        base = "http://127.0.0.1:" + tern.adminAddress().getPort();

        inject("someone@stuck.test", "<stuck-1@inject.test>", null);
        inject("other@stuck.test", "<stuck-2@inject.test>", "spring-sale");
        inject("reader@ok.test", MESSAGE_ID, "spring-sale");
        sink.awaitMessageCount(1, Duration.ofSeconds(20));
        // the stuck destination has been tried (refused) and its mail waits in the spool
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode q = api("/api/v1/queues");
            assertThat(q.get("destinations").toString()).contains(stuckKey);
            assertThat(Files.readString(dir.resolve("events.jsonl"))).contains("\"delivery\"", "\"transient_failure\"");
        });
        assertThat(tern.spool().stats().messages()).isEqualTo(2);

        Files.createDirectories(SHOTS);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1280,800",
                "--force-device-scale-factor=1",
                "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        browser.manage().timeouts().implicitlyWait(Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (tern != null) tern.close();
        if (sink != null) sink.close();
    }

    @Test
    void anOperatorWorksThroughTheConsole() throws Exception {
        // not logged in: every page leads to the login form
        browser.manage().deleteAllCookies();
        browser.get(base + "/console/destinations");
        assertThat(browser.getCurrentUrl()).isEqualTo(base + "/console/login");
        shot("login");
        browser.findElement(By.id("token")).sendKeys("wrong-token");
        navigate(browser.findElement(By.id("login")));
        assertThat(browser.getPageSource()).contains("Wrong token.");
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        navigate(browser.findElement(By.id("login")));
        assertThat(browser.getCurrentUrl()).isEqualTo(base + "/console/");
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Overview");
        assertThat(browser.findElement(By.id("rates")).getText()).contains("delivered", "deferred");
        assertThat(browser.findElement(By.id("top")).getText()).contains(stuckKey);
        assertThat(browser.manage().getCookieNamed(Console.COOKIE).isHttpOnly()).isTrue();
        assertThat(browser.manage().getCookieNamed(Console.COOKIE).getSameSite())
                .isEqualTo("Strict");
        shot("overview");

        // the queued destination: suspend it, then resume it
        navigate(browser.findElement(By.linkText("Destinations")));
        WebElement row = destination();
        assertThat(row.findElement(By.className("state")).getText()).isEqualTo("active");
        assertThat(row.getText()).containsIgnoringCase("refused");
        navigate(row.findElement(By.cssSelector("button.suspend")));
        assertThat(browser.findElement(By.id("flash")).getText()).isEqualTo("Done: suspend site:" + stuckKey + ".");
        assertThat(destination().findElement(By.className("state")).getText()).isEqualTo("suspended");
        assertThat(suspendedSites()).contains(stuckKey);
        shot("destinations");
        navigate(destination().findElement(By.cssSelector("button.resume")));
        assertThat(browser.findElement(By.id("flash")).getText()).isEqualTo("Done: resume site:" + stuckKey + ".");
        assertThat(destination().findElement(By.className("state")).getText()).isEqualTo("active");
        assertThat(suspendedSites()).doesNotContain(stuckKey);

        // a forged CSRF token is refused and changes nothing
        browser.executeScript("document.querySelectorAll('input[name=csrf]').forEach(e => e.value = 'forged-token');");
        navigate(destination().findElement(By.cssSelector("button.suspend")));
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Refused");
        assertThat(browser.findElement(By.id("message")).getText()).contains("Invalid or missing CSRF token");
        assertThat(suspendedSites()).doesNotContain(stuckKey);
        shot("refused-csrf");

        // the delivered message by recipient, then by its queue id (the link in the history)
        navigate(browser.findElement(By.linkText("Messages")));
        browser.findElement(By.id("q")).sendKeys("reader@ok.test");
        navigate(browser.findElement(By.id("search")));
        WebElement delivery = browser.findElement(By.cssSelector("#events tr.event.delivery"));
        assertThat(delivery.getText()).contains("reader@ok.test", "route:127.0.0.1:" + sink.port(), "250");
        shot("messages-by-recipient");
        String queueId = delivery.findElement(By.tagName("a")).getText();
        navigate(delivery.findElement(By.tagName("a")));
        assertThat(browser.findElements(By.cssSelector("#events tr.event")))
                .extracting(WebElement::getText)
                .allSatisfy(t -> assertThat(t).contains(queueId))
                .hasSize(2);

        navigate(browser.findElement(By.linkText("Campaigns")));
        assertThat(browser.findElement(By.id("campaigns")).getText()).contains("spring-sale");
        shot("campaigns");
        navigate(campaign().findElement(By.cssSelector("button.suspend")));
        assertThat(browser.findElement(By.id("flash")).getText()).isEqualTo("Done: pause campaign spring-sale.");
        assertThat(campaign().findElement(By.className("state")).getText()).startsWith("paused");
        navigate(campaign().findElement(By.cssSelector("button.resume")));
        assertThat(campaign().findElement(By.className("state")).getText()).isEqualTo("sending");

        navigate(browser.findElement(By.linkText("Suppressions")));
        browser.findElement(By.id("add-address")).sendKeys("complainer@example.org");
        navigate(browser.findElement(By.id("add")));
        assertThat(browser.findElement(By.id("suppressions")).getText()).contains("complainer@example.org");
        assertThat(tern.spool().suppression("", "complainer@example.org")).isPresent();
        shot("suppressions");

        // without the session cookie: a form posted from an open page is refused, pages lead to login
        navigate(browser.findElement(By.linkText("Destinations")));
        browser.manage().deleteAllCookies();
        navigate(destination().findElement(By.cssSelector("button.suspend")));
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Refused");
        assertThat(browser.findElement(By.id("message")).getText()).contains("Not logged in");
        assertThat(suspendedSites()).doesNotContain(stuckKey);
        shot("refused-no-session");
        browser.get(base + "/console/");
        assertThat(browser.getCurrentUrl()).isEqualTo(base + "/console/login");
    }

    @Test
    void aDeliveredMessageIsFoundByItsMessageIdWithItsDeliveryEvent() throws Exception {
        login();
        navigate(browser.findElement(By.linkText("Messages")));
        browser.findElement(By.id("q")).sendKeys(MESSAGE_ID);
        new Select(browser.findElement(By.id("by"))).selectByValue("message_id");
        navigate(browser.findElement(By.id("search")));
        List<WebElement> deliveries = browser.findElements(By.cssSelector("#events tr.event.delivery"));
        assertThat(deliveries).hasSize(1);
        assertThat(deliveries.get(0).getText()).contains("reader@ok.test", "route:127.0.0.1:" + sink.port());
        assertThat(browser.findElements(By.cssSelector("#events tr.event.reception")))
                .hasSize(1);
        shot("messages");
    }

    private static void login() {
        browser.manage().deleteAllCookies();
        browser.get(base + "/console/login");
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        navigate(browser.findElement(By.id("login")));
        assertThat(browser.getCurrentUrl()).isEqualTo(base + "/console/");
    }

    /**
     * Clicks a link or button and waits for the page it leads to: a mark set on the current
     * page's window is gone once the next document has replaced it.
     */
    private static void navigate(WebElement e) {
        browser.executeScript("window.ternOldPage = true;");
        e.click();
        new WebDriverWait(browser, Duration.ofSeconds(15))
                .until(d -> Boolean.TRUE.equals(((org.openqa.selenium.JavascriptExecutor) d)
                        .executeScript(
                                "return window.ternOldPage === undefined && document.readyState === 'complete';")));
    }

    private static WebElement campaign() {
        return browser.findElement(By.cssSelector("#campaigns tr[data-campaign='spring-sale']"));
    }

    private static WebElement destination() {
        return browser.findElement(By.cssSelector("#destinations tr[data-key='" + stuckKey + "']"));
    }

    private static void shot(String name) throws IOException {
        File f = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static List<String> suspendedSites() throws Exception {
        return Queues.suspendedSites(api("/api/v1/queues"));
    }

    private static JsonNode api(String path) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static void inject(String rcpt, String messageId, String campaign) throws IOException {
        try (InjectClient c = new InjectClient(tern.injectionAddress())) {
            String msg = "From: <sender@inject.test>\r\nTo: <" + rcpt + ">\r\nSubject: console test\r\nMessage-ID: "
                    + messageId + "\r\n" + (campaign == null ? "" : "X-Tern-Campaign: " + campaign + "\r\n")
                    + "\r\nhello\r\n";
            assertThat(c.send("sender@inject.test", List.of(rcpt), msg)).startsWith("250");
        }
    }
}
