package edge.transport.k8s;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/**
 * One answer of the API server: HTTP status and body. For errors, {@link #message()} and
 * {@link #reason()} come from the {@code Status} object the server returns.
 */
public record KubeResponse(String method, String path, int code, String body) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public boolean ok() {
        return code >= 200 && code < 300;
    }

    /** The body as a JSON object (empty map when it is not one). */
    public Map<String, Object> json() {
        if (body == null || body.isBlank()) {
            return Map.of();
        }
        try {
            return JSON.readValue(body, new TypeReference<Map<String, Object>>() { });
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }

    /** {@code Status.message} of an error answer, else the body (shortened). */
    public String message() {
        Object m = json().get("message");
        if (m != null) {
            return String.valueOf(m);
        }
        String b = body == null ? "" : body.strip();
        return b.length() > 500 ? b.substring(0, 500) + "..." : b;
    }

    /** {@code Status.reason} (NotFound, Conflict, Invalid, Forbidden, InternalError, ...) or "". */
    public String reason() {
        Object r = json().get("reason");
        return r == null ? "" : String.valueOf(r);
    }

    @Override
    public String toString() {
        return method + " " + path + " -> HTTP " + code + (ok() ? "" : ": " + message());
    }
}
