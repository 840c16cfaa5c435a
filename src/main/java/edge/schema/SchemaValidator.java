package edge.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import edge.core.Location;
import edge.core.Problem;
import edge.yaml.SourceMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JSON Schema (2020-12) validation of plain value trees loaded from YAML, reporting each error at
 * the file:line:column it came from. Schemas are the files under {@code schemas/} of the project,
 * packaged into the jar. Strings holding a template ({@code {{ ... }}}) are not type-checked here:
 * their value is only known at run time, when module arguments are validated again.
 */
public final class SchemaValidator {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String ID_PREFIX = "https://edge.local/schemas/";
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).build())
                    // $refs between edge's schemas resolve to the copies packaged in the jar, never the network.
                    .schemaIdResolvers(r -> r.mapPrefix(ID_PREFIX, "classpath:schemas/")));
    private static final Map<String, SchemaValidator> CACHE = new ConcurrentHashMap<>();
    /** The schema keyword that carries a human message for the {@code pattern} beside it. */
    public static final String PATTERN_MESSAGE = "x-edge-pattern-message";

    private final String name;
    private final Schema schema;
    private final JsonNode schemaNode;

    private SchemaValidator(String name, JsonNode schemaNode) {
        this.name = name;
        this.schemaNode = schemaNode;
        this.schema = REGISTRY.getSchema(schemaNode);
    }

    /** Loads {@code schemas/<resource>} from the classpath (cached). */
    public static SchemaValidator forResource(String resource) {
        return CACHE.computeIfAbsent(resource, r -> {
            try (InputStream in = SchemaValidator.class.getClassLoader().getResourceAsStream("schemas/" + r)) {
                if (in == null) {
                    throw new IllegalStateException("schema not packaged: schemas/" + r);
                }
                return new SchemaValidator(r, JSON.readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    public String name() {
        return name;
    }

    public JsonNode schemaNode() {
        return schemaNode;
    }

    /**
     * Validates {@code value} (the subtree found at {@code basePointer} of the document that
     * {@code sources} describes) and returns one problem per error.
     */
    public List<Problem> validate(Object value, SourceMap sources, String basePointer, boolean skipTemplated) {
        JsonNode node = JSON.valueToTree(value);
        List<Problem> problems = new ArrayList<>();
        for (Error error : schema.validate(node)) {
            if (skipTemplated && isTemplated(error.getInstanceNode())) {
                continue;
            }
            String pointer = error.getInstanceLocation().toString();
            if ("$".equals(pointer) || "/".equals(pointer)) {
                pointer = "";
            }
            String keyword = error.getKeyword();
            String property = error.getProperty();
            String message = error.getMessage();
            String key = lastSegment(basePointer + pointer);
            Location at;
            if (("additionalProperties".equals(keyword) || "unevaluatedProperties".equals(keyword)) && property != null) {
                at = sources.locate(SourceMap.child(basePointer + pointer, property));
                key = property;
                message = "unknown key" + allowedKeys(error.getSchemaNode(), error.getEvaluationPath().toString());
            } else if ("required".equals(keyword) && property != null) {
                at = sources.locate(basePointer + pointer);
                message = "missing required key '" + property + "'";
            } else {
                at = sources.locateValue(basePointer + pointer);
                String validatorMessage = message.replaceFirst("^/?[^ ]*: ", "");
                message = "pattern".equals(keyword) ? patternMessage(error).orElse(validatorMessage) : validatorMessage;
            }
            problems.add(Problem.at(at, key, message));
        }
        return problems;
    }

    /**
     * A schema may say in words what a {@code pattern} refuses, next to it:
     * {@code {"pattern": "^[^']*$", "x-edge-pattern-message": "contains a single quote, which ..."}}.
     * Used instead of the validator's "does not match the regex pattern ..." (found through a
     * {@code $ref} too, when it points into the same schema).
     */
    private java.util.Optional<String> patternMessage(Error error) {
        JsonNode at = schemaNodeAt(error.getEvaluationPath().toString().replaceFirst("/pattern$", ""));
        if (at == null && error.getSchemaLocation() != null && error.getSchemaLocation().getFragment() != null) {
            at = schemaNodeAt(error.getSchemaLocation().getFragment().toString().replaceFirst("/pattern$", ""));
        }
        JsonNode text = at == null ? null : at.get(PATTERN_MESSAGE);
        return text != null && text.isTextual() ? java.util.Optional.of(text.asText()) : java.util.Optional.empty();
    }

    private String allowedKeys(JsonNode schemaNode, String evaluationPath) {
        // The error's schema node is the additionalProperties value; the allowed names are the
        // sibling "properties" of the object schema that was evaluated.
        JsonNode object = schemaNodeAt(evaluationPath.replaceFirst("/additionalProperties$", "")
                .replaceFirst("/unevaluatedProperties$", ""));
        if (object == null || !object.has("properties")) {
            return "";
        }
        TreeSet<String> names = new TreeSet<>();
        Iterator<String> it = object.get("properties").fieldNames();
        it.forEachRemaining(names::add);
        return names.isEmpty() ? "" : "; allowed keys: " + String.join(", ", names);
    }

    private JsonNode schemaNodeAt(String evaluationPath) {
        JsonNode n = schemaNode;
        if (evaluationPath == null || evaluationPath.isEmpty() || "/".equals(evaluationPath)) {
            return n;
        }
        for (String seg : evaluationPath.substring(1).split("/")) {
            String s = seg.replace("~1", "/").replace("~0", "~");
            if ("$ref".equals(s)) {
                return null;
            }
            n = n.isArray() ? n.path(Integer.parseInt(s)) : n.path(s);
            if (n.isMissingNode()) {
                return null;
            }
        }
        return n;
    }

    private static boolean isTemplated(JsonNode n) {
        return n != null && n.isTextual() && (n.asText().contains("{{") || n.asText().contains("{%"));
    }

    private static String lastSegment(String pointer) {
        int slash = pointer.lastIndexOf('/');
        String seg = slash < 0 ? pointer : pointer.substring(slash + 1);
        return seg.replace("~1", "/").replace("~0", "~");
    }
}
