package edge.modules.k8s;

import edge.transport.k8s.KubeResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fields a server-side apply conflicts on (HTTP 409, one {@code FieldManagerConflict} cause per
 * field: {@code conflict with "kubectl-client-side-apply" using apps/v1} at
 * {@code .spec.template.spec.containers[name="speaker"].env[name="METALLB_HOST"].valueFrom.fieldRef}),
 * and whether taking a field over would change its value.
 *
 * <p>A site built by hand with {@code kubectl apply} conflicts on fields whose values edge would not
 * change at all: the server defaults part of an atomic struct ({@code fieldRef.apiVersion: v1}), so
 * the struct edge sends differs from the one kubectl's manager owns, although the stored object ends
 * up the same. Such a conflict is about ownership only, and edge takes the field over; a conflict on
 * a value another manager set differently is a real one, reported with the field, the manager and the
 * way to resolve it.
 */
record FieldConflicts(List<Conflict> conflicts) {
    private static final Pattern MANAGER = Pattern.compile("conflict with \"([^\"]+)\"");

    /** One conflicting field: its path as the API server writes it, and the manager that owns it. */
    record Conflict(String field, String manager) {
    }

    static boolean isApplyConflict(KubeResponse r) {
        return r.code() == 409 && "Conflict".equals(r.reason()) && r.message().contains("Apply failed");
    }

    static FieldConflicts of(KubeResponse r) {
        List<Conflict> out = new ArrayList<>();
        for (Object c : ObjectTree.list(ObjectTree.at(r.json(), "details", "causes"))) {
            Map<String, Object> cause = ObjectTree.map(c);
            if (!"FieldManagerConflict".equals(cause.get("reason")) || !(cause.get("field") instanceof String field)) {
                continue;
            }
            Matcher m = MANAGER.matcher(String.valueOf(cause.get("message")));
            out.add(new Conflict(field, m.find() ? m.group(1) : "another field manager"));
        }
        return new FieldConflicts(List.copyOf(out));
    }

    /** The conflicts whose value in {@code live} differs from the one a forced apply would store, or that cannot be read. */
    List<Conflict> changingValues(Map<String, Object> live, Map<String, Object> afterForcedApply) {
        List<Conflict> out = new ArrayList<>();
        for (Conflict c : conflicts) {
            Optional<Object> before = valueAt(live, c.field());
            Optional<Object> after = valueAt(afterForcedApply, c.field());
            if (before.isEmpty() || after.isEmpty() || !Objects.equals(before.get(), after.get())) {
                out.add(c);
            }
        }
        return out;
    }

    /** The managers involved, in order, once each. */
    List<String> managers() {
        return conflicts.stream().map(Conflict::manager).distinct().toList();
    }

    private static final Pattern SEGMENT = Pattern.compile("\\.([^.\\[]+)|\\[([^\\]]*)\\]");

    /**
     * The value at a field path of the API server's form ({@code .a.b[name="x"].c}, {@code [k=1,j="v"]}
     * for an associative list, {@code [="v"]} for a set element), or empty when the path cannot be
     * followed; a missing field is an empty Optional too, so it never counts as unchanged.
     */
    static Optional<Object> valueAt(Object root, String path) {
        Object node = root;
        Matcher m = SEGMENT.matcher(path);
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                return Optional.empty();
            }
            end = m.end();
            if (m.group(1) != null) {
                if (!(node instanceof Map<?, ?> map) || !map.containsKey(m.group(1))) {
                    return Optional.empty();
                }
                node = map.get(m.group(1));
            } else {
                if (!(node instanceof List<?> list)) {
                    return Optional.empty();
                }
                Optional<Object> item = element(list, m.group(2));
                if (item.isEmpty()) {
                    return Optional.empty();
                }
                node = item.get();
            }
        }
        return end == path.length() && node != null ? Optional.of(node) : Optional.empty();
    }

    private static Optional<Object> element(List<?> list, String selector) {
        if (selector.startsWith("=")) {
            Object wanted = scalar(selector.substring(1));
            return list.stream().filter(o -> Objects.equals(String.valueOf(o), String.valueOf(wanted))).map(o -> (Object) o).findFirst();
        }
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> item)) {
                return Optional.empty();
            }
            boolean all = true;
            for (String kv : selector.split(",(?=[^,=]+=)")) {
                int eq = kv.indexOf('=');
                if (eq < 0) {
                    return Optional.empty();
                }
                Object want = scalar(kv.substring(eq + 1));
                if (!String.valueOf(want).equals(String.valueOf(item.get(kv.substring(0, eq))))) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }

    private static Object scalar(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1).replace("\\\"", "\"") : s;
    }
}
