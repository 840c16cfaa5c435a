package edge.modules.k8s;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small helpers for objects held as plain maps and lists (YAML or JSON trees). */
final class ObjectTree {
    private ObjectTree() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    /** The value at a path of keys, or null. */
    static Object at(Object root, String... path) {
        Object o = root;
        for (String p : path) {
            if (!(o instanceof Map<?, ?> m)) {
                return null;
            }
            o = m.get(p);
        }
        return o;
    }

    /** A deep, mutable copy (maps keep their order). */
    @SuppressWarnings("unchecked")
    static <T> T deepCopy(T o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> c = new LinkedHashMap<>();
            m.forEach((k, v) -> c.put(String.valueOf(k), deepCopy(v)));
            return (T) c;
        }
        if (o instanceof List<?> l) {
            List<Object> c = new ArrayList<>(l.size());
            for (Object v : l) {
                c.add(deepCopy(v));
            }
            return (T) c;
        }
        return o;
    }

    /** Removes the value at a path of keys; returns whether something was removed. */
    @SuppressWarnings("unchecked")
    static boolean remove(Object root, String... path) {
        Object o = root;
        for (int i = 0; i < path.length - 1; i++) {
            if (!(o instanceof Map<?, ?> m)) {
                return false;
            }
            o = m.get(path[i]);
        }
        if (o instanceof Map<?, ?> m && m.containsKey(path[path.length - 1])) {
            ((Map<String, Object>) m).remove(path[path.length - 1]);
            return true;
        }
        return false;
    }

    /** Java value from a conditions list: the status of condition {@code type}, or null. */
    static String condition(Object obj, String type) {
        for (Object c : list(at(obj, "status", "conditions"))) {
            Map<String, Object> m = map(c);
            if (type.equals(m.get("type"))) {
                return str(m.get("status"));
            }
        }
        return null;
    }

    static long asLong(Object o, long dflt) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        return dflt;
    }
}
