package dev.tern.core.admin;

import java.util.Map;

/** An admin API answer: an HTTP status and a value written as JSON. */
public record ApiResponse(int status, Object body) {
    static ApiResponse ok(Object body) {
        return new ApiResponse(200, body);
    }

    static ApiResponse error(int status, String message) {
        return new ApiResponse(status, Map.of("error", message));
    }
}
