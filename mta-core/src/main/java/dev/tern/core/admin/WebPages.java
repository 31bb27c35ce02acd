package dev.tern.core.admin;

import java.util.List;
import java.util.Map;

/**
 * HTML pages served by the admin server under a path prefix (the web console). The admin server
 * copies each request off the Netty buffers and calls {@link #handle} on its executor.
 */
public interface WebPages {
    /** The path prefix these pages answer, e.g. {@code /console}. */
    String prefix();

    /** Answers one request; never throws. */
    Response handle(Request request);

    /**
     * One HTTP request.
     *
     * @param method  HTTP method, upper case
     * @param path    the path without query
     * @param query   query parameters
     * @param body    the request body (may be empty)
     * @param headers request headers by lower-case name (first value)
     */
    record Request(
            String method, String path, Map<String, List<String>> query, byte[] body, Map<String, String> headers) {
        public Request {
            query = query == null ? Map.of() : Map.copyOf(query);
            body = body == null ? new byte[0] : body;
            headers = headers == null ? Map.of() : Map.copyOf(headers);
        }

        /** A header by lower-case name, or null. */
        public String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }
    }

    /**
     * One HTTP answer.
     *
     * @param status      HTTP status
     * @param contentType the Content-Type
     * @param headers     further headers (Set-Cookie, Location, ...)
     * @param body        the body
     */
    record Response(int status, String contentType, List<Map.Entry<String, String>> headers, byte[] body) {
        public Response {
            headers = List.copyOf(headers);
        }
    }
}
