package edge.engine;

import com.fasterxml.jackson.databind.JsonNode;
import edge.core.Redactor;
import java.util.List;
import java.util.Map;

/**
 * Registers a task's secret argument values with the redactor, at any depth, by what they are: what
 * the module's schema marks {@code x-edge-secret}; for keys the schema does not describe (set_fact,
 * free-form mappings), a secret-looking name. A value the schema limits to an enumeration is a choice
 * ("none", "both"), never a secret: masking it would hide that word everywhere in the output.
 */
final class ArgumentSecrets {
    private ArgumentSecrets() {
    }

    static void register(Redactor redactor, Object args, JsonNode schema) {
        register(redactor, args, schema, false);
    }

    private static void register(Redactor redactor, Object value, JsonNode schema, boolean secret) {
        if (value instanceof String s) {
            if (secret && (schema == null || !schema.has("enum"))) {
                redactor.register(s);
            }
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                JsonNode prop = schema == null ? null : schema.path("properties").path(key);
                boolean described = prop != null && !prop.isMissingNode();
                boolean s = secret || (described ? prop.path("x-edge-secret").asBoolean(false) : Redactor.isSecretName(key));
                register(redactor, e.getValue(), described ? prop : null, s);
            }
        } else if (value instanceof List<?> list) {
            JsonNode items = schema == null ? null : schema.path("items");
            for (Object o : list) {
                register(redactor, o, items == null || items.isMissingNode() ? null : items, secret);
            }
        }
    }
}
