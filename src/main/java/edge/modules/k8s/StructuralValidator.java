package edge.modules.k8s;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Validates an object against a CRD's structural {@code openAPIV3Schema} the way the API server does
 * with {@code fieldValidation=Strict}: types, required fields, unknown fields (unless
 * {@code x-kubernetes-preserve-unknown-fields}), enums, bounds, lengths, patterns, item counts,
 * {@code x-kubernetes-int-or-string}, {@code nullable}, {@code allOf/anyOf/oneOf/not}. CEL rules
 * ({@code x-kubernetes-validations}) and formats are left to the server. {@code metadata} and
 * {@code status} are not checked (the server owns them).
 */
final class StructuralValidator {
    private final boolean skipTemplated;
    private final List<Violation> out = new ArrayList<>();

    private StructuralValidator(boolean skipTemplated) {
        this.skipTemplated = skipTemplated;
    }

    /**
     * @param skipTemplated when true, strings holding {@code {{ }}} are not checked (validate time: their
     *                      value is only known when the task runs)
     */
    static List<Violation> validate(Map<String, Object> schema, Map<String, Object> obj, boolean skipTemplated) {
        StructuralValidator v = new StructuralValidator(skipTemplated);
        v.root(schema, obj);
        return v.out;
    }

    private void root(Map<String, Object> schema, Map<String, Object> obj) {
        Map<String, Object> props = ObjectTree.map(schema.get("properties"));
        for (Map.Entry<String, Object> e : obj.entrySet()) {
            String k = e.getKey();
            List<Object> path = List.of(k);
            switch (k) {
                case "apiVersion", "kind" -> {
                    if (!(e.getValue() instanceof String)) {
                        add(path, "must be a string");
                    }
                }
                case "metadata" -> {
                    if (!(e.getValue() instanceof Map)) {
                        add(path, "must be a mapping");
                    }
                }
                case "status" -> {
                    // owned by the controller; the API server ignores it on the main resource
                }
                default -> {
                    Object sub = props.get(k);
                    if (sub instanceof Map<?, ?>) {
                        node(ObjectTree.map(sub), e.getValue(), path);
                    } else if (!Boolean.TRUE.equals(schema.get("x-kubernetes-preserve-unknown-fields"))) {
                        add(path, "unknown field \"" + k + "\"" + known(props.keySet()));
                    }
                }
            }
        }
        for (Object r : ObjectTree.list(schema.get("required"))) {
            String k = String.valueOf(r);
            if (!obj.containsKey(k) && !"metadata".equals(k) && !"status".equals(k)) {
                add(List.of(k), "required field is missing");
            }
        }
    }

    private void add(List<Object> path, String message) {
        out.add(new Violation(List.copyOf(path), message));
    }

    private static List<Object> child(List<Object> path, Object key) {
        List<Object> p = new ArrayList<>(path);
        p.add(key);
        return p;
    }

    private static String known(Set<String> keys) {
        return keys.isEmpty() ? "" : " (known: " + String.join(", ", keys) + ")";
    }

    private boolean templated(Object v) {
        return skipTemplated && v instanceof String s && (s.contains("{{") || s.contains("{%"));
    }

    private void node(Map<String, Object> schema, Object value, List<Object> path) {
        if (templated(value)) {
            return;
        }
        if (value == null) {
            if (!Boolean.TRUE.equals(schema.get("nullable")) && schema.get("type") != null) {
                add(path, "must not be null (remove the key to leave it unset)");
            }
            return;
        }
        int before = out.size();
        if (Boolean.TRUE.equals(schema.get("x-kubernetes-int-or-string"))) {
            if (!(isInteger(value) || value instanceof String)) {
                add(path, "must be an integer or a string, got " + describe(value));
            }
        } else if (schema.get("type") instanceof String type && !typeMatches(type, value)) {
            add(path, "must be " + article(type) + ", got " + describe(value));
            return;
        }
        if (out.size() > before) {
            return;
        }
        enumCheck(schema, value, path);
        if (value instanceof Map<?, ?> m) {
            object(schema, ObjectTree.map(m), path);
        } else if (value instanceof List<?> l) {
            array(schema, l, path);
        } else if (value instanceof String s) {
            string(schema, s, path);
        } else if (value instanceof Number n) {
            number(schema, n, path);
        }
        combinators(schema, value, path);
    }

    private void object(Map<String, Object> schema, Map<String, Object> m, List<Object> path) {
        Map<String, Object> props = ObjectTree.map(schema.get("properties"));
        Object additional = schema.get("additionalProperties");
        boolean preserve = Boolean.TRUE.equals(schema.get("x-kubernetes-preserve-unknown-fields"));
        boolean embedded = Boolean.TRUE.equals(schema.get("x-kubernetes-embedded-resource"));
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String k = e.getKey();
            Object sub = props.get(k);
            if (sub instanceof Map<?, ?>) {
                node(ObjectTree.map(sub), e.getValue(), child(path, k));
            } else if (additional instanceof Map<?, ?> a) {
                node(ObjectTree.map(a), e.getValue(), child(path, k));
            } else if (Boolean.TRUE.equals(additional) || preserve
                    || (embedded && (k.equals("apiVersion") || k.equals("kind") || k.equals("metadata")))) {
                continue;
            } else if (!props.isEmpty() || Boolean.FALSE.equals(additional) || schema.containsKey("type")) {
                add(child(path, k), "unknown field \"" + k + "\"" + known(props.keySet()));
            }
        }
        for (Object r : ObjectTree.list(schema.get("required"))) {
            String k = String.valueOf(r);
            if (!m.containsKey(k)) {
                add(child(path, k), "required field is missing");
            }
        }
        long min = ObjectTree.asLong(schema.get("minProperties"), -1);
        long max = ObjectTree.asLong(schema.get("maxProperties"), -1);
        if (min >= 0 && m.size() < min) {
            add(path, "must have at least " + min + " properties");
        }
        if (max >= 0 && m.size() > max) {
            add(path, "must have at most " + max + " properties");
        }
    }

    private void array(Map<String, Object> schema, List<?> l, List<Object> path) {
        Object items = schema.get("items");
        if (items instanceof Map<?, ?> it) {
            for (int i = 0; i < l.size(); i++) {
                node(ObjectTree.map(it), l.get(i), child(path, i));
            }
        }
        long min = ObjectTree.asLong(schema.get("minItems"), -1);
        long max = ObjectTree.asLong(schema.get("maxItems"), -1);
        if (min >= 0 && l.size() < min) {
            add(path, "must have at least " + min + " item" + (min == 1 ? "" : "s"));
        }
        if (max >= 0 && l.size() > max) {
            add(path, "must have at most " + max + " items");
        }
        if (Boolean.TRUE.equals(schema.get("uniqueItems")) || "set".equals(schema.get("x-kubernetes-list-type"))) {
            Set<Object> seen = new HashSet<>();
            for (int i = 0; i < l.size(); i++) {
                if (!seen.add(normalize(l.get(i)))) {
                    add(child(path, i), "duplicate item " + describe(l.get(i)));
                }
            }
        }
    }

    private void string(Map<String, Object> schema, String s, List<Object> path) {
        long min = ObjectTree.asLong(schema.get("minLength"), -1);
        long max = ObjectTree.asLong(schema.get("maxLength"), -1);
        int len = s.codePointCount(0, s.length());
        if (min >= 0 && len < min) {
            add(path, "must be at least " + min + " character" + (min == 1 ? "" : "s") + " long");
        }
        if (max >= 0 && len > max) {
            add(path, "must be at most " + max + " characters long");
        }
        if (schema.get("pattern") instanceof String p) {
            try {
                if (!Pattern.compile(p).matcher(s).find()) {
                    add(path, "\"" + s + "\" does not match the pattern " + p);
                }
            } catch (PatternSyntaxException e) {
                // A Go (RE2) pattern Java cannot compile: the server checks it.
            }
        }
    }

    private void number(Map<String, Object> schema, Number n, List<Object> path) {
        BigDecimal v = decimal(n);
        if (v == null) {
            return;
        }
        if (schema.get("minimum") instanceof Number min) {
            int c = v.compareTo(decimal(min));
            if (c < 0 || (c == 0 && Boolean.TRUE.equals(schema.get("exclusiveMinimum")))) {
                add(path, n + " is below the minimum " + plainNumber(min)
                        + (Boolean.TRUE.equals(schema.get("exclusiveMinimum")) ? " (exclusive)" : ""));
            }
        }
        if (schema.get("maximum") instanceof Number max) {
            int c = v.compareTo(decimal(max));
            if (c > 0 || (c == 0 && Boolean.TRUE.equals(schema.get("exclusiveMaximum")))) {
                add(path, n + " is above the maximum " + plainNumber(max)
                        + (Boolean.TRUE.equals(schema.get("exclusiveMaximum")) ? " (exclusive)" : ""));
            }
        }
        if (schema.get("multipleOf") instanceof Number mult && decimal(mult).signum() != 0
                && v.remainder(decimal(mult)).signum() != 0) {
            add(path, n + " is not a multiple of " + plainNumber(mult));
        }
    }

    private void enumCheck(Map<String, Object> schema, Object value, List<Object> path) {
        if (schema.get("enum") instanceof List<?> values && !values.isEmpty()) {
            Object nv = normalize(value);
            for (Object o : values) {
                if (normalize(o).equals(nv)) {
                    return;
                }
            }
            add(path, describe(value) + " is not one of " + values);
        }
    }

    private void combinators(Map<String, Object> schema, Object value, List<Object> path) {
        for (Object s : ObjectTree.list(schema.get("allOf"))) {
            node(ObjectTree.map(s), value, path);
        }
        List<?> any = ObjectTree.list(schema.get("anyOf"));
        if (!any.isEmpty() && any.stream().noneMatch(s -> passes(ObjectTree.map(s), value))) {
            add(path, "must match at least one of the allowed forms " + any);
        }
        List<?> one = ObjectTree.list(schema.get("oneOf"));
        if (!one.isEmpty()) {
            long n = one.stream().filter(s -> passes(ObjectTree.map(s), value)).count();
            if (n != 1) {
                add(path, "must match exactly one of the allowed forms " + one + " (matches " + n + ")");
            }
        }
        if (schema.get("not") instanceof Map<?, ?> not && passes(ObjectTree.map(not), value)) {
            add(path, "must not match " + not);
        }
    }

    private boolean passes(Map<String, Object> schema, Object value) {
        StructuralValidator v = new StructuralValidator(skipTemplated);
        v.node(schema, value, List.of());
        return v.out.isEmpty();
    }

    static boolean typeMatches(String type, Object v) {
        return switch (type) {
            case "object" -> v instanceof Map;
            case "array" -> v instanceof List;
            case "string" -> v instanceof String;
            case "boolean" -> v instanceof Boolean;
            case "integer" -> isInteger(v);
            case "number" -> v instanceof Number;
            default -> true;
        };
    }

    static boolean isInteger(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof BigInteger || v instanceof Short || v instanceof Byte) {
            return true;
        }
        if (v instanceof Double d) {
            return !d.isInfinite() && !d.isNaN() && d == Math.rint(d);
        }
        return false;
    }

    private static BigDecimal decimal(Number n) {
        if (n instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        if (n instanceof BigDecimal b) {
            return b;
        }
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? BigDecimal.valueOf(d) : null;
        }
        return BigDecimal.valueOf(n.longValue());
    }

    private static String plainNumber(Number n) {
        BigDecimal d = decimal(n);
        return d == null ? String.valueOf(n) : d.stripTrailingZeros().toPlainString();
    }

    private static Object normalize(Object o) {
        if (o instanceof Number n) {
            BigDecimal d = decimal(n);
            return d == null ? n : d.stripTrailingZeros();
        }
        return o;
    }

    static String describe(Object v) {
        if (v instanceof String s) {
            return "\"" + s + "\" (a string)";
        }
        if (v instanceof Map) {
            return "a mapping";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof Boolean) {
            return v + " (a boolean)";
        }
        if (v instanceof Number) {
            return v + " (a number)";
        }
        return String.valueOf(v);
    }

    private static String article(String type) {
        return switch (type) {
            case "object" -> "a mapping";
            case "array" -> "a list";
            case "integer" -> "an integer";
            default -> "a " + type;
        };
    }
}
