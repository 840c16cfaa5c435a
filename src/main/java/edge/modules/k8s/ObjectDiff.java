package edge.modules.k8s;

import edge.module.Change;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Field-level comparison of two versions of one object (the live object and what a server-side
 * dry-run apply returns), ignoring what changes without anyone changing the object's content:
 * {@code metadata.managedFields}, {@code resourceVersion}, {@code generation}, {@code uid},
 * {@code creationTimestamp}, and {@code status}. Changes read {@code Kind ns/name path: before -> after};
 * Secret data and BGP passwords are masked.
 */
final class ObjectDiff {
    static final Set<String> VOLATILE_METADATA = Set.of("managedFields", "resourceVersion", "generation", "uid",
            "creationTimestamp", "selfLink");
    /** Above this many fields a created object is reported as one line. */
    static final int DETAIL_LIMIT = 40;

    private ObjectDiff() {
    }

    /** The comparable content of an object: without status and volatile metadata. */
    static Map<String, Object> comparable(Map<String, Object> obj) {
        Map<String, Object> c = ObjectTree.deepCopy(obj);
        c.remove("status");
        Map<String, Object> md = ObjectTree.map(c.get("metadata"));
        if (!md.isEmpty()) {
            Map<String, Object> m = new LinkedHashMap<>(md);
            VOLATILE_METADATA.forEach(m::remove);
            c.put("metadata", m);
        }
        return c;
    }

    static List<Change> diff(ObjectRef ref, Map<String, Object> live, Map<String, Object> merged) {
        List<Change> out = new ArrayList<>();
        walk(ref, "", comparable(live), comparable(merged), out);
        return out;
    }

    /** The fields of a new object, one change each (or one line for a large object). */
    static List<Change> created(ObjectRef ref, Map<String, Object> desired, boolean detailed, String note) {
        List<Change> out = new ArrayList<>();
        if (detailed) {
            Map<String, Object> body = ObjectTree.deepCopy(desired);
            body.remove("apiVersion");
            body.remove("kind");
            Map<String, Object> md = new LinkedHashMap<>(ObjectTree.map(body.get("metadata")));
            md.remove("name");
            md.remove("namespace");
            if (md.isEmpty()) {
                body.remove("metadata");
            } else {
                body.put("metadata", md);
            }
            walk(ref, "", Map.of(), body, out);
        }
        if (!detailed || out.size() > DETAIL_LIMIT || out.isEmpty()) {
            out.clear();
            out.add(Change.create(ref.display(), note));
        }
        return out;
    }

    private static void walk(ObjectRef ref, String path, Object before, Object after, List<Change> out) {
        if (Objects.equals(before, after)) {
            return;
        }
        if (before instanceof Map<?, ?> b && after instanceof Map<?, ?> a) {
            Set<Object> keys = new LinkedHashSet<>(b.keySet());
            keys.addAll(a.keySet());
            for (Object k : keys) {
                walk(ref, child(path, String.valueOf(k)), b.get(k), a.get(k), out);
            }
            return;
        }
        if (before == null && after instanceof Map<?, ?> a && !a.isEmpty()) {
            a.forEach((k, v) -> walk(ref, child(path, String.valueOf(k)), null, v, out));
            return;
        }
        if (after == null && before instanceof Map<?, ?> b && !b.isEmpty()) {
            b.forEach((k, v) -> walk(ref, child(path, String.valueOf(k)), v, null, out));
            return;
        }
        if (before instanceof List<?> b && after instanceof List<?> a) {
            List<String> bn = names(b);
            List<String> an = names(a);
            if (bn != null && an != null) {
                Set<String> all = new LinkedHashSet<>(bn);
                all.addAll(an);
                for (String n : all) {
                    int bi = bn.indexOf(n);
                    int ai = an.indexOf(n);
                    walk(ref, path + "[name=" + n + "]", bi < 0 ? null : b.get(bi), ai < 0 ? null : a.get(ai), out);
                }
                return;
            }
            if (b.size() == a.size() && !b.isEmpty() && b.get(0) instanceof Map<?, ?>) {
                for (int i = 0; i < b.size(); i++) {
                    walk(ref, path + "[" + i + "]", b.get(i), a.get(i), out);
                }
                return;
            }
        }
        String p = ref.display() + " " + (path.isEmpty() ? "(object)" : path);
        boolean secret = isSecret(ref, path);
        out.add(secret ? Change.secret(p, before, after) : Change.of(p, before, after));
    }

    /** The {@code name}s of a list of mappings when every item has a distinct one, else null. */
    private static List<String> names(List<?> l) {
        if (l.isEmpty()) {
            return null;
        }
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Object o : l) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("name") instanceof String n) || !seen.add(n)) {
                return null;
            }
            names.add(n);
        }
        return names;
    }

    static String child(String path, String key) {
        boolean plain = key.matches("[A-Za-z_$][A-Za-z0-9_$-]*");
        String k = plain ? key : "[\"" + key + "\"]";
        if (path.isEmpty()) {
            return k;
        }
        return plain ? path + "." + k : path + k;
    }

    static boolean isSecret(ObjectRef ref, String path) {
        if ("Secret".equals(ref.kind()) && (path.startsWith("data") || path.startsWith("stringData"))) {
            return true;
        }
        String lower = path.toLowerCase();
        return lower.endsWith("password") || lower.endsWith("token") || lower.contains("secret.");
    }
}
