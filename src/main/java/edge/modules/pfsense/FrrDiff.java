package edge.modules.pfsense;

import edge.core.Secret;
import edge.module.Change;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The FRR modules' diff logic, in Java and without I/O: what differs between what pfSense holds
 * (as its parser returned it) and what the tasks want, as field-level {@link Change}s for people and
 * {@link FrrEdit}s to stage. Only the fields a task names are compared; every other field is left as
 * it is.
 */
public final class FrrDiff {
    /** Neighbor fields whose values are never shown. */
    public static final Set<String> SECRET_NEIGHBOR_FIELDS = Set.of("password");

    private FrrDiff() {
    }

    /** Changes to show and edits to stage. */
    public record Result(List<Change> changes, List<FrrEdit> edits) {
        public Result {
            changes = List.copyOf(changes);
            edits = List.copyOf(edits);
        }

        public boolean isEmpty() {
            return changes.isEmpty();
        }
    }

    /** A neighbor a task declares: its address and the fields it manages (the rest stay untouched). */
    public record NeighborSpec(String address, List<FrrField> fields) {
        public NeighborSpec {
            fields = List.copyOf(fields);
        }
    }

    /** The diff of one single-{@code <config>} section. */
    public static Result section(String section, Map<String, Object> current, List<FrrField> wanted) {
        List<Change> changes = new ArrayList<>();
        List<FrrEdit> edits = new ArrayList<>();
        for (FrrField f : wanted) {
            Object cur = current.get(f.field());
            checkScalar(section + "." + f.field(), cur);
            if (f.satisfiedBy(cur)) {
                continue;
            }
            changes.add(change(section + "." + f.field(), f, cur));
            edits.add(new FrrEdit.SetField(section, f.field(), f.value()));
        }
        return new Result(changes, edits);
    }

    /**
     * The diff of the neighbor list. Neighbors are matched by peer address; a declared neighbor that
     * is missing is added (with only the declared fields); with {@code exclusive}, neighbors with an
     * IP address that are not declared are removed (peer-group definitions are never removed).
     *
     * @throws IllegalArgumentException for a declared address that is not an IP, a neighbor declared
     *     twice, or a declared neighbor that config.xml holds twice
     */
    public static Result neighbors(List<Map<String, Object>> current, List<NeighborSpec> wanted, boolean exclusive) {
        Map<String, List<Map<String, Object>>> byKey = new LinkedHashMap<>();
        for (Map<String, Object> n : current) {
            if (Peers.isIp(n.get("peer"))) {
                byKey.computeIfAbsent(Peers.key(n.get("peer")), k -> new ArrayList<>()).add(n);
            }
        }
        Map<String, NeighborSpec> declared = new LinkedHashMap<>();
        for (NeighborSpec spec : wanted) {
            if (!Peers.isIp(spec.address())) {
                throw new IllegalArgumentException("neighbor address '" + spec.address() + "' is not an IPv4 or IPv6 address");
            }
            NeighborSpec earlier = declared.put(Peers.key(spec.address()), spec);
            if (earlier != null) {
                throw new IllegalArgumentException("neighbor " + spec.address() + " is declared twice"
                        + (earlier.address().equals(spec.address()) ? "" : " (as " + earlier.address() + ")"));
            }
        }
        List<Change> changes = new ArrayList<>();
        List<FrrEdit> edits = new ArrayList<>();
        for (Map.Entry<String, NeighborSpec> e : declared.entrySet()) {
            NeighborSpec spec = e.getValue();
            List<Map<String, Object>> found = byKey.getOrDefault(e.getKey(), List.of());
            if (found.size() > 1) {
                throw new IllegalArgumentException("config.xml holds neighbor " + spec.address() + " " + found.size()
                        + " times; remove the duplicates in Services > FRR BGP > Neighbors first");
            }
            List<FrrField> fields = withImplicitFields(spec, found.isEmpty() ? Map.of() : found.get(0));
            if (found.isEmpty()) {
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("peer", spec.address());
                edits.add(new FrrEdit.SetNeighborField(spec.address(), "peer", spec.address()));
                for (FrrField f : fields) {
                    // absent == empty: a new neighbor gets only the values that say something
                    if (f.value().isEmpty()) {
                        continue;
                    }
                    record.put(f.field(), f.value());
                    edits.add(new FrrEdit.SetNeighborField(spec.address(), f.field(), f.value()));
                }
                changes.add(Change.created(path(spec.address()), FrrField.masked(record, SECRET_NEIGHBOR_FIELDS)));
                continue;
            }
            Map<String, Object> cur = found.get(0);
            String storedPeer = String.valueOf(cur.get("peer"));
            for (FrrField f : fields) {
                Object value = cur.get(f.field());
                checkScalar(path(storedPeer) + "." + f.field(), value);
                if (f.satisfiedBy(value)) {
                    continue;
                }
                changes.add(change(path(storedPeer) + "." + f.field(), f, value));
                edits.add(new FrrEdit.SetNeighborField(storedPeer, f.field(), f.value()));
            }
        }
        if (exclusive) {
            for (Map.Entry<String, List<Map<String, Object>>> e : byKey.entrySet()) {
                if (declared.containsKey(e.getKey())) {
                    continue;
                }
                if (e.getValue().size() > 1) {
                    throw new IllegalArgumentException("config.xml holds neighbor " + e.getValue().get(0).get("peer") + " "
                            + e.getValue().size() + " times; remove the duplicates in Services > FRR BGP > Neighbors first");
                }
                for (Map<String, Object> n : e.getValue()) {
                    String peer = String.valueOf(n.get("peer"));
                    changes.add(Change.removed(path(peer), FrrField.masked(n, SECRET_NEIGHBOR_FIELDS)));
                }
                edits.add(new FrrEdit.DeleteNeighbor(String.valueOf(e.getValue().get(0).get("peer"))));
            }
        }
        return new Result(changes, edits);
    }

    /**
     * A password only takes effect with a password type: when a task sets one and says nothing about
     * the type, a neighbor whose type is unset or {@code none} gets {@code both} (FRR and the kernel's
     * TCP-MD5 keys, what pfSense's GUI suggests for FreeBSD); an existing type is kept.
     */
    private static List<FrrField> withImplicitFields(NeighborSpec spec, Map<String, Object> current) {
        boolean setsPassword = spec.fields().stream().anyMatch(f -> f.field().equals("password") && !f.value().isEmpty());
        boolean setsType = spec.fields().stream().anyMatch(f -> f.field().equals("password_type"));
        if (!setsPassword || setsType) {
            return spec.fields();
        }
        String type = FrrField.norm(current.get("password_type"));
        if (!type.isEmpty() && !type.equals("none")) {
            return spec.fields();
        }
        List<FrrField> out = new ArrayList<>(spec.fields());
        out.add(FrrField.text("password_type", "both"));
        return out;
    }

    static String path(String peer) {
        return FrrSnapshot.NEIGHBORS + "[" + peer + "]";
    }

    private static Change change(String path, FrrField f, Object current) {
        if (f.kind() == FrrField.Kind.SECRET) {
            boolean wasSet = current != null && !FrrField.norm(current).isEmpty();
            return Change.secret(path, wasSet ? Secret.MASK : null, f.value().isEmpty() ? "" : Secret.MASK);
        }
        return current == null ? Change.created(path, f.value()) : Change.of(path, current, f.value());
    }

    private static void checkScalar(String path, Object value) {
        if (value instanceof Map || value instanceof List) {
            throw new IllegalArgumentException("config.xml holds a nested structure at " + path
                    + " where pfSense's FRR package keeps a single value; fix it in the GUI first");
        }
    }
}
