package dev.tern.core.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import java.util.Map;

/**
 * One admin API request, copied off the Netty buffers.
 *
 * @param method        HTTP method, upper case
 * @param path          the path without query
 * @param query         query parameters
 * @param body          the request body (may be empty)
 * @param authorization the Authorization header, or null
 */
public record ApiRequest(
        String method, String path, Map<String, List<String>> query, byte[] body, String authorization) {
    public ApiRequest {
        query = query == null ? Map.of() : Map.copyOf(query);
        body = body == null ? new byte[0] : body;
    }

    /** The first value of a query parameter, or {@code fallback}. */
    public String param(String name, String fallback) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? fallback : v.get(0);
    }

    /** The body as a JSON object ({} when empty); 400 if it is not one. */
    public JsonNode json() {
        if (body.length == 0) return JsonNodeFactory.instance.objectNode();
        try {
            JsonNode n = AdminJson.MAPPER.readTree(body);
            if (n == null || !n.isObject()) throw ApiException.badRequest("the request body must be a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("cannot read the request body: " + e.getMessage());
        }
    }

    /** A string field of the JSON body; 400 naming the field if it is missing and {@code required}. */
    public String field(JsonNode json, String name, boolean required) {
        JsonNode v = json.get(name);
        if (v == null || v.isNull()) {
            if (required) throw ApiException.badRequest("missing field \"" + name + "\"");
            return null;
        }
        if (!v.isTextual()) throw ApiException.badRequest("field \"" + name + "\" must be a string");
        return v.asText();
    }
}
