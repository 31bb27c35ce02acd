package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A client of Tern's admin HTTP API (JSON, bearer token). */
public final class AdminClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The API answered with an error status (or could not be reached: status 0). */
    public static final class Failure extends Exception {
        private final int status;

        Failure(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final URI base;
    private final String token;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public AdminClient(String baseUrl, String token) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        this.token = token;
    }

    public JsonNode get(String path) throws Failure {
        return json(send("GET", path, null));
    }

    public JsonNode post(String path, Object body) throws Failure {
        return json(send("POST", path, body));
    }

    public JsonNode delete(String path) throws Failure {
        return json(send("DELETE", path, null));
    }

    /** GET of a text resource (such as /metrics). */
    public String text(String path) throws Failure {
        return send("GET", path, null);
    }

    static String query(String name, String value) {
        return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private String send(String method, String path, Object body) throws Failure {
        URI uri = base.resolve(path.startsWith("/") ? path.substring(1) : path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
        try {
            b.method(
                    method,
                    body == null
                            ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            if (body != null) b.header("Content-Type", "application/json");
            if (token != null && !token.isEmpty()) b.header("Authorization", "Bearer " + token);
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (r.statusCode() >= 400) throw new Failure(r.statusCode(), errorText(r.body()));
            return r.body();
        } catch (IOException e) {
            throw new Failure(0, "cannot reach Tern's admin API at " + base + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(0, "interrupted");
        }
    }

    private static JsonNode json(String body) throws Failure {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new Failure(0, "the admin API did not answer JSON: " + e.getMessage());
        }
    }

    private static String errorText(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.hasNonNull("error")) return n.get("error").asText();
        } catch (IOException ignored) {
            // not JSON: show it as it is
        }
        return body == null ? "" : body.strip();
    }
}
