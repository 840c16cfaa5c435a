package edge.modules.k8s;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * edge's record of what one manifest applied: a ConfigMap {@code edge-manifest-<name>} holding the
 * source, its sha256 and the list of objects (apiVersion, kind, namespace, name). A later run
 * compares it with the new manifest; with {@code prune: true} it deletes recorded objects that left
 * the manifest, never anything selected by label.
 *
 * <p>The record lives in the cluster, so whoever can edit ConfigMaps in its namespace can edit it.
 * It is therefore not trusted as a list of things to delete: {@link #untrusted} refuses a record
 * whose data another field manager wrote, and {@link K8sManifestModule} prunes an entry only when
 * its kind and namespace are ones the current manifest uses and the live object carries edge's own
 * server-side apply (see {@link #appliedByEdge}).
 */
final class ManifestRecord {
    static final String PREFIX = "edge-manifest-";
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ManifestRecord() {
    }

    static String configMapName(String name) {
        String n = (PREFIX + name).toLowerCase().replaceAll("[^a-z0-9.-]", "-");
        return n.length() > 253 ? n.substring(0, 253) : n;
    }

    /** The ConfigMap to apply. */
    static Map<String, Object> desired(String name, String namespace, String source, String sha256, List<ObjectRef> objects) {
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("apiVersion", "v1");
        cm.put("kind", "ConfigMap");
        Map<String, Object> md = new LinkedHashMap<>();
        md.put("name", configMapName(name));
        md.put("namespace", namespace);
        md.put("labels", Map.of(MANAGED_BY, "edge"));
        cm.put("metadata", md);
        cm.put("data", data(source, sha256, objects));
        return cm;
    }

    static Map<String, Object> data(String source, String sha256, List<ObjectRef> objects) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("source", source);
        data.put("sha256", sha256);
        List<Map<String, Object>> list = new ArrayList<>();
        objects.forEach(o -> list.add(o.toMap()));
        try {
            data.put("objects", JSON.writeValueAsString(list) + "\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return data;
    }

    /** The objects a live record lists (empty when there is no record or it is unreadable). */
    static List<ObjectRef> objects(Map<String, Object> liveConfigMap) {
        List<ObjectRef> out = new ArrayList<>();
        if (liveConfigMap == null) {
            return out;
        }
        Object text = ObjectTree.at(liveConfigMap, "data", "objects");
        if (!(text instanceof String s)) {
            return out;
        }
        try {
            for (Map<String, Object> m : JSON.readValue(s, new TypeReference<List<Map<String, Object>>>() { })) {
                ObjectRef r = ObjectRef.fromMap(m);
                if (r.apiVersion() != null && r.kind() != null && r.name() != null) {
                    out.add(r);
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /**
     * Why the live record's data cannot be trusted, or null when only edge's server-side apply
     * manages it ({@code metadata.managedFields}): another field manager (kubectl edit, kubectl
     * apply, a controller) wrote {@code data}, or a non-apply write used edge's manager name (edge
     * only ever applies its record), or nothing records edge's apply of the data at all (the
     * managed fields were stripped).
     */
    static String untrusted(Map<String, Object> liveConfigMap) {
        Set<String> others = new LinkedHashSet<>();
        boolean edgeApplied = false;
        for (Object o : ObjectTree.list(ObjectTree.at(liveConfigMap, "metadata", "managedFields"))) {
            Map<String, Object> entry = ObjectTree.map(o);
            Map<String, Object> fields = ObjectTree.map(entry.get("fieldsV1"));
            if (!fields.containsKey("f:data") && !fields.containsKey("f:binaryData")) {
                continue;
            }
            String manager = ObjectTree.str(entry.get("manager"));
            String operation = ObjectTree.str(entry.get("operation"));
            if (Reconciler.FIELD_MANAGER.equals(manager) && "Apply".equals(operation)) {
                edgeApplied = true;
            } else {
                others.add("\"" + manager + "\"" + (Reconciler.FIELD_MANAGER.equals(manager)
                        ? " (operation " + operation + ": edge itself only applies its record)" : ""));
            }
        }
        if (!others.isEmpty()) {
            return "its data is managed by field manager " + String.join(", ", others) + ", not only by edge";
        }
        if (!edgeApplied) {
            return "its metadata.managedFields do not show edge's server-side apply of its data";
        }
        return null;
    }

    /** Whether edge's field manager applied (and still owns fields of) this live object. */
    static boolean appliedByEdge(Map<String, Object> liveObject) {
        for (Object o : ObjectTree.list(ObjectTree.at(liveObject, "metadata", "managedFields"))) {
            Map<String, Object> entry = ObjectTree.map(o);
            if (Reconciler.FIELD_MANAGER.equals(entry.get("manager")) && "Apply".equals(entry.get("operation"))) {
                return true;
            }
        }
        return false;
    }
}
