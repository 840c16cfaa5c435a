package edge.modules.pfsense;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What one commit writes: the net difference between the configuration edge read and the one with
 * every staged edit applied, as the input of {@code apply.php}. Each changed value carries the value
 * it had when read ({@code from}), which the firewall checks before writing (compare-and-set).
 */
public final class FrrCommit {
    private final Map<String, Map<String, Map<String, Object>>> sections;
    private final List<Map<String, Object>> neighborOps;
    private final String summary;

    private FrrCommit(Map<String, Map<String, Map<String, Object>>> sections, List<Map<String, Object>> neighborOps, String summary) {
        this.sections = sections;
        this.neighborOps = neighborOps;
        this.summary = summary;
    }

    public static FrrCommit between(FrrSnapshot read, FrrSnapshot wanted) {
        Map<String, Map<String, Map<String, Object>>> sections = new LinkedHashMap<>();
        List<String> summaryParts = new ArrayList<>();
        for (String s : FrrSnapshot.SECTIONS) {
            Map<String, Object> before = read.section(s);
            Map<String, Object> after = wanted.section(s);
            Map<String, Map<String, Object>> fields = new LinkedHashMap<>();
            Set<String> keys = new LinkedHashSet<>(before.keySet());
            keys.addAll(after.keySet());
            for (String k : keys) {
                if (!same(before.get(k), after.get(k))) {
                    Map<String, Object> chg = new LinkedHashMap<>();
                    chg.put("from", before.get(k));
                    chg.put("to", after.get(k));
                    fields.put(k, chg);
                }
            }
            if (!fields.isEmpty()) {
                sections.put(s, fields);
                summaryParts.add(s + " (" + String.join(", ", fields.keySet()) + ")");
            }
        }

        Map<String, Map<String, Object>> beforeN = byKey(read.neighbors());
        Map<String, Map<String, Object>> afterN = byKey(wanted.neighbors());
        List<Map<String, Object>> ops = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> e : afterN.entrySet()) {
            Map<String, Object> now = e.getValue();
            Map<String, Object> was = beforeN.get(e.getKey());
            String peer = String.valueOf(now.get("peer"));
            if (was == null) {
                Map<String, Object> op = new LinkedHashMap<>();
                op.put("op", "create");
                op.put("peer", peer);
                op.put("fields", now);
                ops.add(op);
                added.add(peer);
                continue;
            }
            Map<String, Map<String, Object>> fields = new LinkedHashMap<>();
            Set<String> keys = new LinkedHashSet<>(was.keySet());
            keys.addAll(now.keySet());
            for (String k : keys) {
                if (!same(was.get(k), now.get(k))) {
                    Map<String, Object> chg = new LinkedHashMap<>();
                    chg.put("from", was.get(k));
                    chg.put("to", now.get(k));
                    fields.put(k, chg);
                }
            }
            if (!fields.isEmpty()) {
                Map<String, Object> op = new LinkedHashMap<>();
                op.put("op", "update");
                op.put("peer", String.valueOf(was.get("peer")));
                op.put("fields", fields);
                ops.add(op);
                changed.add(peer + " (" + String.join(", ", fields.keySet()) + ")");
            }
        }
        for (Map.Entry<String, Map<String, Object>> e : beforeN.entrySet()) {
            if (!afterN.containsKey(e.getKey())) {
                Map<String, Object> op = new LinkedHashMap<>();
                op.put("op", "delete");
                op.put("peer", String.valueOf(e.getValue().get("peer")));
                op.put("record", e.getValue());
                ops.add(op);
                removed.add(String.valueOf(e.getValue().get("peer")));
            }
        }
        if (!added.isEmpty()) {
            summaryParts.add("neighbors added " + String.join(", ", added));
        }
        if (!changed.isEmpty()) {
            summaryParts.add("neighbors changed " + String.join(", ", changed));
        }
        if (!removed.isEmpty()) {
            summaryParts.add("neighbors removed " + String.join(", ", removed));
        }
        return new FrrCommit(sections, ops, String.join("; ", summaryParts));
    }

    /** Neighbors by peer key; entries without a peer are not edge's (they are never touched). */
    private static Map<String, Map<String, Object>> byKey(List<Map<String, Object>> neighbors) {
        Map<String, Map<String, Object>> m = new LinkedHashMap<>();
        for (Map<String, Object> n : neighbors) {
            if (n.get("peer") != null) {
                m.putIfAbsent(Peers.key(n.get("peer")), n);
            }
        }
        return m;
    }

    /** absent == "" for values; nested structures compare structurally. */
    private static boolean same(Object a, Object b) {
        if (a instanceof Map || a instanceof List || b instanceof Map || b instanceof List) {
            return Objects.equals(a, b);
        }
        return FrrField.norm(a).equals(FrrField.norm(b));
    }

    public boolean isEmpty() {
        return sections.isEmpty() && neighborOps.isEmpty();
    }

    /** For write_config()'s description: field names and addresses, never values. */
    public String summary() {
        return summary;
    }

    public Map<String, Map<String, Map<String, Object>>> sections() {
        return sections;
    }

    public List<Map<String, Object>> neighborOps() {
        return neighborOps;
    }

    /**
     * Whether this commit ticks "Disable eBGP Require Policy": sessions that refused routes under
     * RFC 8212 then need a reset to get them (MetalLB's speaker has no route refresh).
     */
    public boolean liftsEbgpRequirePolicy() {
        Map<String, Object> change = sections.getOrDefault("frrbgpadvanced", Map.of()).get("disableebgprequirepolicy");
        return change != null && FrrField.checked(change.get("to"));
    }

    /** The input of {@code apply.php}. */
    public Map<String, Object> payload() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("summary", summary.length() > 400 ? summary.substring(0, 397) + "..." : summary);
        p.put("sections", sections);
        p.put("neighbors", neighborOps);
        if (liftsEbgpRequirePolicy()) {
            p.put("reset_policy_refused", true);
        }
        return p;
    }
}
