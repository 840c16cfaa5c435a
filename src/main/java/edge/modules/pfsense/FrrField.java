package edge.modules.pfsense;

import edge.core.Secret;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One config.xml field a task wants, with pfSense's comparison rules: values are strings; an
 * absent field equals {@code ""}; a checkbox is checked when it holds anything PHP's
 * {@code empty()} calls non-empty ({@code on}, as the GUI writes, but also {@code yes}), unchecked
 * when absent, {@code ""} or {@code "0"}.
 *
 * @param field the config.xml element name ({@code asnum})
 * @param kind how to compare and show it
 * @param value the wanted value as stored: {@code "on"}/{@code ""} for checkboxes
 */
public record FrrField(String field, Kind kind, String value) {

    public enum Kind {
        CHECKBOX, TEXT, SECRET
    }

    public static FrrField checkbox(String field, boolean checked) {
        return new FrrField(field, Kind.CHECKBOX, checked ? "on" : "");
    }

    public static FrrField text(String field, String value) {
        return new FrrField(field, Kind.TEXT, value);
    }

    public static FrrField secret(String field, String value) {
        return new FrrField(field, Kind.SECRET, value);
    }

    /** A config value as edge compares it: null (absent) is {@code ""}. */
    public static String norm(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Map || v instanceof List) {
            throw new IllegalStateException("holds a nested structure, not a value");
        }
        return String.valueOf(v);
    }

    public static boolean checked(Object v) {
        String s = v == null ? "" : String.valueOf(v);
        return !(s.isEmpty() || s.equals("0"));
    }

    /** Does the current value already satisfy this field? */
    public boolean satisfiedBy(Object current) {
        if (kind == Kind.CHECKBOX) {
            return checked(current) == checked(value);
        }
        return norm(current).equals(value);
    }

    /** A neighbor record for output: secret fields masked. */
    static Map<String, Object> masked(Map<String, Object> record, java.util.Set<String> secretFields) {
        Map<String, Object> out = new LinkedHashMap<>();
        record.forEach((k, v) -> out.put(k, secretFields.contains(k) && v != null && !norm(v).isEmpty() ? Secret.MASK : v));
        return out;
    }
}
