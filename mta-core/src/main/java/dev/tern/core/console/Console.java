package dev.tern.core.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tern.core.admin.AdminApi;
import dev.tern.core.admin.AdminContext;
import dev.tern.core.admin.AdminJson;
import dev.tern.core.admin.ApiRequest;
import dev.tern.core.admin.ApiResponse;
import dev.tern.core.admin.WebPages;
import dev.tern.core.events.JsonLinesEventLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console under {@code /console} on the admin listener: server-rendered HTML pages
 * (Mustache templates, every value HTML-escaped, no JavaScript) over the same {@link AdminApi} the
 * CLI uses, so queue logic lives in one place.
 *
 * <p>Access: the login form takes the admin token and opens a server-side session
 * ({@link ConsoleSessions}); the browser gets only the session id in an HttpOnly,
 * SameSite=Strict cookie scoped to {@code /console}. Pages without a session redirect to the
 * login form; a POST without a session, with a CSRF token other than the session's, or from a
 * foreign {@code Origin} is refused with 403. With no admin token (neither {@code admin.token} nor
 * {@code admin.token_file}) the console is off (403), like the API.
 */
public final class Console implements WebPages, AutoCloseable {
    public static final String PREFIX = "/console";
    static final String COOKIE = "tern_console";
    private static final int MAX_FORM_BYTES = 64 * 1024;
    private static final Logger log = LoggerFactory.getLogger(Console.class);

    private final AdminApi api;
    private final AdminContext ctx;
    private final ConsoleSessions sessions;
    private final LoginThrottle throttle;
    private final Templates templates = new Templates();
    private final ConsoleMetrics metrics;
    private final EventHistory history;
    private final SiteErrors siteErrors = new SiteErrors(10_000);
    private final byte[] css;
    private final ScheduledExecutorService sampler;

    /**
     * @param eventLog the event log searched by message lookups, or null (lookups then show only
     *                 spooled messages)
     * @param registry the registry the rates and latency are read from
     */
    public Console(AdminApi api, AdminContext ctx, JsonLinesEventLog eventLog, MeterRegistry registry) {
        this(api, ctx, eventLog, registry, new ConsoleSessions(ctx.clock()), true);
    }

    Console(
            AdminApi api,
            AdminContext ctx,
            JsonLinesEventLog eventLog,
            MeterRegistry registry,
            ConsoleSessions sessions,
            boolean sample) {
        this.api = api;
        this.ctx = ctx;
        this.sessions = sessions;
        this.throttle = new LoginThrottle(ctx.clock(), 10, Duration.ofMinutes(1));
        this.metrics = new ConsoleMetrics(registry, ctx.clock());
        this.history = eventLog == null ? null : new EventHistory(eventLog);
        this.css = resource("static/console.css");
        ctx.events().register(siteErrors);
        if (sample) {
            sampler = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("tern-console-rates").daemon(true).factory());
            sampler.scheduleAtFixedRate(metrics::sample, 0, 5, TimeUnit.SECONDS);
        } else {
            sampler = null;
        }
    }

    @Override
    public String prefix() {
        return PREFIX;
    }

    @Override
    public Response handle(Request req) {
        try {
            return route(req);
        } catch (RuntimeException e) {
            log.error("console {} {} failed", req.method(), req.path(), e);
            return page(500, "error", Map.of("title", "Error", "message", "internal error: " + e), null);
        }
    }

    private Response route(Request req) {
        String path = req.path().equals(PREFIX) ? "/" : req.path().substring(PREFIX.length());
        if (path.equals("/static/console.css")) {
            return get(req) ? new Response(200, "text/css; charset=utf-8", cacheable(), css) : notAllowed();
        }
        String token = ctx.token().get();
        if (token == null || token.isEmpty()) {
            return page(
                    403,
                    "error",
                    Map.of(
                            "title",
                            "Console disabled",
                            "message",
                            "The web console is disabled: set admin.token or admin.token_file in the configuration (then reload or restart)."),
                    null);
        }
        if (path.equals("/login")) return login(req, token);
        Optional<ConsoleSessions.Session> found = sessions.find(cookie(req), token);
        boolean post = req.method().equals("POST");
        if (found.isEmpty()) {
            if (post) {
                log.info("console POST {} refused: no session", req.path());
                return refused("Not logged in, or the session expired: log in again.");
            }
            return redirect(PREFIX + "/login");
        }
        ConsoleSessions.Session s = found.get();
        if (post) {
            if (req.body().length > MAX_FORM_BYTES) return refusedStatus(413, "The form is too large.", s);
            if (!sameOrigin(req)) {
                log.info("console POST {} refused: foreign origin {}", req.path(), req.header("origin"));
                return refused("The request came from another site.");
            }
            Map<String, String> form = form(req);
            if (!ConsoleSessions.csrfMatches(s, form.get("csrf"))) {
                log.info("console POST {} refused: bad CSRF token", req.path());
                return refusedStatus(403, "Invalid or missing CSRF token: reload the page and try again.", s);
            }
            return action(path, form, s);
        }
        if (!get(req)) return notAllowed();
        Pages pages = new Pages(api, ctx, metrics, history, siteErrors, token);
        return switch (path) {
            case "/", "" -> page(200, "overview", pages.overview(), s);
            case "/destinations" -> page(200, "destinations", pages.destinations(), s);
            case "/campaigns" -> page(200, "campaigns", pages.campaigns(), s);
            case "/messages" -> page(200, "messages", pages.messages(param(req, "q"), param(req, "by")), s);
            case "/suppressions" ->
                page(
                        200,
                        "suppressions",
                        pages.suppressions(param(req, "tenant"), param(req, "q"), param(req, "after")),
                        s);
            default -> page(404, "error", Map.of("title", "Not found", "message", "No such page: " + req.path()), s);
        };
    }

    private Response login(Request req, String token) {
        if (get(req)) {
            if (sessions.find(cookie(req), token).isPresent()) return redirect(PREFIX + "/");
            return page(200, "login", Map.of("title", "Log in"), null);
        }
        if (!req.method().equals("POST")) return notAllowed();
        if (req.body().length > MAX_FORM_BYTES || !sameOrigin(req)) return refused("Login refused.");
        if (!throttle.allowed()) {
            log.info("console login refused: too many wrong tokens in the last minute");
            return page(
                    429,
                    "login",
                    Map.of("title", "Log in", "error", "Too many failed logins: wait a minute and try again."),
                    null);
        }
        Optional<ConsoleSessions.Session> s = sessions.login(form(req).get("token"), token);
        if (s.isEmpty()) {
            throttle.failed();
            log.info("console login refused: wrong token");
            return page(401, "login", Map.of("title", "Log in", "error", "Wrong token."), null);
        }
        log.info("console login");
        DefaultCookie c = new DefaultCookie(COOKIE, s.get().id());
        c.setHttpOnly(true);
        c.setPath(PREFIX);
        c.setSameSite(CookieHeaderNames.SameSite.Strict);
        List<Map.Entry<String, String>> h = new ArrayList<>(securityHeaders());
        h.add(Map.entry("Set-Cookie", ServerCookieEncoder.STRICT.encode(c)));
        h.add(Map.entry("Location", PREFIX + "/"));
        return new Response(303, "text/plain; charset=utf-8", h, new byte[0]);
    }

    /** A state change from a form (CSRF already checked), then back to the page it came from. */
    private Response action(String path, Map<String, String> form, ConsoleSessions.Session s) {
        return switch (path) {
            case "/logout" -> {
                sessions.end(s);
                DefaultCookie c = new DefaultCookie(COOKIE, "");
                c.setHttpOnly(true);
                c.setPath(PREFIX);
                c.setMaxAge(0);
                c.setSameSite(CookieHeaderNames.SameSite.Strict);
                List<Map.Entry<String, String>> h = new ArrayList<>(securityHeaders());
                h.add(Map.entry("Set-Cookie", ServerCookieEncoder.STRICT.encode(c)));
                h.add(Map.entry("Location", PREFIX + "/login"));
                yield new Response(303, "text/plain; charset=utf-8", h, new byte[0]);
            }
            case "/destinations/suspend", "/destinations/resume" -> {
                String key = form.getOrDefault("key", "");
                String op = path.endsWith("suspend") ? "suspend" : "resume";
                flash(s, op + " site:" + key, call("POST", op, Map.of(), json(Map.of("target", "site:" + key))));
                yield redirect(PREFIX + "/destinations");
            }
            case "/holds/release" -> {
                String target = form.getOrDefault("target", "");
                flash(s, "resume " + target, call("POST", "resume", Map.of(), json(Map.of("target", target))));
                yield redirect(PREFIX + "/destinations");
            }
            case "/campaigns/pause", "/campaigns/resume" -> {
                String name = form.getOrDefault("campaign", "");
                String op = path.endsWith("pause") ? "suspend" : "resume";
                flash(
                        s,
                        (op.equals("suspend") ? "pause" : "resume") + " campaign " + name,
                        call("POST", op, Map.of(), json(Map.of("target", "campaign:" + name))));
                yield redirect(PREFIX + "/campaigns");
            }
            case "/suppressions/add" -> {
                String tenant = form.getOrDefault("tenant", "").strip();
                Map<String, String> body = new LinkedHashMap<>();
                body.put("tenant", tenant);
                body.put("address", form.getOrDefault("address", ""));
                body.put("reason", form.getOrDefault("reason", ""));
                flash(s, "suppress " + body.get("address"), call("POST", "suppressions", Map.of(), json(body)));
                yield redirect(PREFIX + "/suppressions?tenant=" + enc(tenant));
            }
            case "/suppressions/remove" -> {
                String tenant = form.getOrDefault("tenant", "").strip();
                String address = form.getOrDefault("address", "");
                flash(
                        s,
                        "remove suppression of " + address,
                        call(
                                "DELETE",
                                "suppressions",
                                Map.of("tenant", List.of(tenant), "address", List.of(address)),
                                null));
                yield redirect(PREFIX + "/suppressions?tenant=" + enc(tenant));
            }
            default -> refusedStatus(404, "No such action: " + path, s);
        };
    }

    private void flash(ConsoleSessions.Session s, String what, ApiResponse r) {
        if (r.status() / 100 == 2) {
            s.flash("Done: " + what + ".");
        } else {
            Object err = r.body() instanceof Map<?, ?> m ? m.get("error") : r.body();
            s.flash("Failed: " + what + ": " + err);
        }
    }

    private ApiResponse call(String method, String resource, Map<String, List<String>> query, byte[] body) {
        return api.handle(new ApiRequest(
                method,
                AdminApi.PREFIX + resource,
                query,
                body,
                "Bearer " + ctx.token().get()));
    }

    private static byte[] json(Map<String, String> m) {
        try {
            return AdminJson.MAPPER.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Response page(int status, String template, Map<String, Object> model, ConsoleSessions.Session s) {
        Map<String, Object> scope = new LinkedHashMap<>(model);
        scope.put("nav_" + template, true);
        if (s != null) {
            scope.put("session", true);
            scope.put("csrf", s.csrf());
            String flash = s.takeFlash();
            if (flash != null) {
                scope.put("flash", flash);
                scope.put("flash_failed", flash.startsWith("Failed"));
            }
        }
        byte[] body = templates.render(template, scope).getBytes(StandardCharsets.UTF_8);
        return new Response(status, "text/html; charset=utf-8", securityHeaders(), body);
    }

    private Response refused(String message) {
        return refusedStatus(403, message, null);
    }

    private Response refusedStatus(int status, String message, ConsoleSessions.Session s) {
        return page(status, "error", Map.of("title", "Refused", "message", message, "login", s == null), s);
    }

    private Response notAllowed() {
        return page(405, "error", Map.of("title", "Not allowed", "message", "Method not allowed."), null);
    }

    private static Response redirect(String location) {
        List<Map.Entry<String, String>> h = new ArrayList<>(securityHeaders());
        h.add(Map.entry("Location", location));
        return new Response(303, "text/plain; charset=utf-8", h, new byte[0]);
    }

    /**
     * No caching, no framing, no scripts, nothing from other origins. The referrer policy is
     * same-origin, not no-referrer: under no-referrer browsers send {@code Origin: null} on form
     * posts, which {@link #sameOrigin} refuses.
     */
    static List<Map.Entry<String, String>> securityHeaders() {
        return List.of(
                Map.entry(
                        "Content-Security-Policy",
                        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
                                + " frame-ancestors 'none'; base-uri 'none'"),
                Map.entry("X-Content-Type-Options", "nosniff"),
                Map.entry("X-Frame-Options", "DENY"),
                Map.entry("Referrer-Policy", "same-origin"),
                Map.entry("Cache-Control", "no-store"));
    }

    private static List<Map.Entry<String, String>> cacheable() {
        return List.of(Map.entry("Cache-Control", "max-age=3600"), Map.entry("X-Content-Type-Options", "nosniff"));
    }

    private static boolean get(Request req) {
        return req.method().equals("GET") || req.method().equals("HEAD");
    }

    /** True without an Origin header (the CSRF token still applies) or when it names this host. */
    static boolean sameOrigin(Request req) {
        String origin = req.header("origin");
        if (origin == null) return true;
        String host = req.header("host");
        return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
    }

    static String cookie(Request req) {
        String h = req.header("cookie");
        if (h == null) return null;
        for (Cookie c : ServerCookieDecoder.LAX.decode(h)) {
            if (c.name().equals(COOKIE)) return c.value();
        }
        return null;
    }

    /** An application/x-www-form-urlencoded body: first value per name. */
    static Map<String, String> form(Request req) {
        String body = new String(req.body(), StandardCharsets.UTF_8);
        Map<String, String> out = new LinkedHashMap<>();
        new QueryStringDecoder(body, StandardCharsets.UTF_8, false, 64)
                .parameters()
                .forEach((k, v) -> {
                    if (!v.isEmpty()) out.put(k, v.get(0));
                });
        return out;
    }

    private static String param(Request req, String name) {
        List<String> v = req.query().get(name);
        return v == null || v.isEmpty() ? "" : v.get(0);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static byte[] resource(String name) {
        try (InputStream in = Console.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing console resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read console resource " + name, e);
        }
    }

    @Override
    public void close() {
        if (sampler != null) sampler.shutdownNow();
    }
}
