package edge.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fills in the {@code default}s a module's JSON Schema declares for arguments the task leaves out, so
 * that the schema is the one place a default is written (modules read the value, they do not repeat
 * it). Nested objects that are given get their own properties' defaults too.
 */
public final class SchemaDefaults {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SchemaDefaults() {
    }

    /** A copy of {@code args} with the schema's defaults for missing properties (YAML-like values: Long, String, ...). */
    public static Map<String, Object> applied(Map<String, Object> args, JsonNode schema) {
        JsonNode props = schema == null ? null : schema.get("properties");
        if (props == null || !props.isObject()) {
            return args;
        }
        Map<String, Object> out = new LinkedHashMap<>(args);
        for (Map.Entry<String, JsonNode> p : props.properties()) {
            Object given = out.get(p.getKey());
            if (given == null && p.getValue().has("default") && !out.containsKey(p.getKey())) {
                out.put(p.getKey(), plain(p.getValue().get("default")));
            } else if (given instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) nested;
                out.put(p.getKey(), applied(m, p.getValue()));
            }
        }
        return out;
    }

    private static Object plain(JsonNode n) {
        if (n.isIntegralNumber()) {
            return n.asLong(); // the type YAML integers and Jinja arithmetic use
        }
        return JSON.convertValue(n, Object.class);
    }
}
