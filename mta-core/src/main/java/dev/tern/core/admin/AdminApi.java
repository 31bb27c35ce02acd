package dev.tern.core.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API under {@code /api/v1}: bearer-token check, then one resource per path.
 * Blocking (spool reads and scans): call it off the event loop.
 *
 * <p>Every endpoint but {@code GET /api/v1/health} needs {@code Authorization: Bearer <admin.token>}
 * (401 without or with a wrong token): {@code admin.token}, else the one in {@code admin.token_file}
 * ({@link AdminToken}); with neither the API answers 403.
 */
public final class AdminApi {
    public static final String PREFIX = "/api/v1/";
    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);

    private final AdminContext ctx;
    private final QueuesResource queues;
    private final MessagesResource messages;
    private final ControlResource control;
    private final SuppressionsResource suppressions;
    private final ReloadResource reload;
    private final DrainResource drain;
    private final TlsReportResource tlsReport;

    public AdminApi(AdminContext ctx) {
        this.ctx = ctx;
        this.queues = new QueuesResource(ctx);
        this.messages = new MessagesResource(ctx);
        this.control = new ControlResource(ctx);
        this.suppressions = new SuppressionsResource(ctx);
        this.reload = new ReloadResource(ctx);
        this.drain = new DrainResource(ctx);
        this.tlsReport = new TlsReportResource(ctx);
    }

    /** Connects {@code /api/v1/drain} to the injection listener (started after the admin API). */
    public void drainGate(DrainResource.Gate gate) {
        drain.gate(gate);
    }

    /** Answers one request; never throws. */
    public ApiResponse handle(ApiRequest req) {
        try {
            String res = req.path().startsWith(PREFIX) ? req.path().substring(PREFIX.length()) : null;
            if (res == null) throw ApiException.notFound("no such endpoint: " + req.path());
            if (res.equals("health")) return method(req, "GET") ? ApiResponse.ok(health()) : notAllowed(req);
            authorize(req);
            ApiResponse r = route(req, res);
            if (!req.method().equals("GET")) log.info("admin {} {} -> {}", req.method(), req.path(), r.status());
            return r;
        } catch (ApiException e) {
            return ApiResponse.error(e.status(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("admin {} {} failed", req.method(), req.path(), e);
            return ApiResponse.error(500, "internal error: " + e);
        }
    }

    private ApiResponse route(ApiRequest req, String res) {
        if (res.startsWith("messages/") && res.length() > "messages/".length()) {
            return method(req, "GET")
                    ? ApiResponse.ok(messages.get(res.substring("messages/".length())))
                    : notAllowed(req);
        }
        return switch (res) {
            case "queues" -> method(req, "GET") ? ApiResponse.ok(queues.get(req)) : notAllowed(req);
            case "campaigns" ->
                method(req, "GET")
                        ? ApiResponse.ok(
                                java.util.Map.of("campaigns", ctx.campaigns().snapshot()))
                        : notAllowed(req);
            case "suspend" -> method(req, "POST") ? ApiResponse.ok(control.suspend(req)) : notAllowed(req);
            case "resume" -> method(req, "POST") ? ApiResponse.ok(control.resume(req)) : notAllowed(req);
            case "bounce" -> method(req, "POST") ? ApiResponse.ok(control.bounce(req)) : notAllowed(req);
            case "retry" -> method(req, "POST") ? ApiResponse.ok(control.retry(req)) : notAllowed(req);
            case "holds" -> method(req, "GET") ? ApiResponse.ok(control.holds()) : notAllowed(req);
            case "reload" -> method(req, "POST") ? ApiResponse.ok(reload.reload()) : notAllowed(req);
            case "tls-report" -> method(req, "GET") ? ApiResponse.ok(tlsReport.get(req)) : notAllowed(req);
            case "drain" ->
                switch (req.method()) {
                    case "GET" -> ApiResponse.ok(drain.status());
                    case "POST" -> ApiResponse.ok(drain.start());
                    case "DELETE" -> ApiResponse.ok(drain.cancel());
                    default -> notAllowed(req);
                };
            case "spool/import" -> method(req, "POST") ? ApiResponse.ok(importSpool(req)) : notAllowed(req);
            case "suppressions" ->
                switch (req.method()) {
                    case "GET" -> ApiResponse.ok(suppressions.list(req));
                    case "POST" -> new ApiResponse(201, suppressions.add(req));
                    case "DELETE" -> ApiResponse.ok(suppressions.remove(req));
                    default -> notAllowed(req);
                };
            default -> throw ApiException.notFound("no such endpoint: " + req.path());
        };
    }

    /**
     * Whether a scrape of /metrics may proceed: with an admin token configured the scrape needs it
     * (unless {@code admin.public_metrics}); without one the API is off and /metrics is open (the
     * configuration then only allows a loopback listener). Returns the refusal, or null.
     */
    public ApiResponse refuseScrape(ApiRequest req) {
        String token = ctx.scrapeToken().get();
        if (token == null || token.isEmpty() || ctx.config().admin().publicMetrics()) return null;
        try {
            authorize(req);
            return null;
        } catch (ApiException e) {
            return ApiResponse.error(e.status(), e.getMessage());
        }
    }

    private void authorize(ApiRequest req) {
        String token = ctx.token().get();
        if (token == null || token.isEmpty()) {
            throw new ApiException(
                    403,
                    "the admin API is disabled: set admin.token or admin.token_file in the configuration"
                            + " (then reload or restart)");
        }
        String h = req.authorization();
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(401, "missing bearer token: send 'Authorization: Bearer <admin.token>'");
        }
        byte[] given = h.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "invalid bearer token");
        }
    }

    /** {@code POST /api/v1/spool/import {"path": DIR, "force": false}}: queues an export made by {@code tern spool export}. */
    private Map<String, Object> importSpool(ApiRequest req) {
        var json = req.json();
        String path = req.field(json, "path", true);
        boolean force = json.path("force").asBoolean(false);
        java.nio.file.Path dir = java.nio.file.Path.of(path);
        if (!dir.isAbsolute()) throw ApiException.badRequest("field \"path\" must be an absolute directory path");
        if (!java.nio.file.Files.isDirectory(dir)) throw ApiException.badRequest("no such directory: " + path);
        String node =
                ctx.config().fleet() != null && !ctx.config().fleet().nodeId().isEmpty()
                        ? ctx.config().fleet().nodeId()
                        : ctx.config().server().hostname();
        try {
            var r = dev.tern.core.transfer.SpoolImport.run(ctx.spool(), dir, node, force, ctx.clock());
            ctx.engine().wake();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("messages", r.messages());
            out.put("recipients", r.recipients());
            out.put("already_queued", r.alreadyQueued());
            return out;
        } catch (dev.tern.core.transfer.TransferException e) {
            throw new ApiException(e.conflict() ? 409 : 422, e.getMessage());
        } catch (java.io.IOException e) {
            throw new ApiException(500, "import failed: " + e.getMessage());
        }
    }

    private static boolean method(ApiRequest req, String m) {
        return req.method().equals(m);
    }

    private static ApiResponse notAllowed(ApiRequest req) {
        return ApiResponse.error(405, "method " + req.method() + " not allowed on " + req.path());
    }

    private Map<String, Object> health() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", "ok");
        var st = ctx.spool().stats();
        h.put("spool_messages", st.messages());
        h.put("in_flight", ctx.engine().inFlight());
        h.put("api_enabled", !ctx.token().get().isEmpty());
        return h;
    }
}
