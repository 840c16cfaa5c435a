package edge.modules.pfsense;

import java.util.List;
import java.util.Map;

/**
 * One staged edit of the FRR configuration, as a module's apply records it. Edits are replayed on
 * top of what was read ({@link FrrSnapshot#with}); what is finally written is the difference between
 * the snapshot and that result ({@link FrrCommit}), so two tasks setting the same field are one change.
 */
public sealed interface FrrEdit {

    void applyTo(Map<String, Map<String, Object>> sections, List<Map<String, Object>> neighbors);

    /** {@code installedpackages/<section>/config/0/<field> = value}. */
    record SetField(String section, String field, String value) implements FrrEdit {
        @Override
        public void applyTo(Map<String, Map<String, Object>> sections, List<Map<String, Object>> neighbors) {
            sections.get(section).put(field, value);
        }
    }

    /** A field of the neighbor with this peer address (the neighbor is added, at the end, if missing). */
    record SetNeighborField(String peer, String field, String value) implements FrrEdit {
        @Override
        public void applyTo(Map<String, Map<String, Object>> sections, List<Map<String, Object>> neighbors) {
            String key = Peers.key(peer);
            for (Map<String, Object> n : neighbors) {
                if (key.equals(Peers.key(n.get("peer")))) {
                    n.put(field, value);
                    return;
                }
            }
            Map<String, Object> created = new java.util.LinkedHashMap<>();
            created.put("peer", peer);
            created.put(field, value);
            neighbors.add(created);
        }
    }

    /** Removes the neighbor with this peer address. */
    record DeleteNeighbor(String peer) implements FrrEdit {
        @Override
        public void applyTo(Map<String, Map<String, Object>> sections, List<Map<String, Object>> neighbors) {
            String key = Peers.key(peer);
            neighbors.removeIf(n -> key.equals(Peers.key(n.get("peer"))));
        }
    }
}
