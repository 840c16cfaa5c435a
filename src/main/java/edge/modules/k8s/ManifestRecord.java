package edge.modules.k8s;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * edge's record of what one manifest applied: a ConfigMap {@code edge-manifest-<name>} holding the
 * source, its sha256 and the list of objects (apiVersion, kind, namespace, name). A later run
 * compares it with the new manifest; with {@code prune: true} it deletes exactly the recorded
 * objects that left the manifest, never anything selected by label.
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
        Object text = Objects2.at(liveConfigMap, "data", "objects");
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
}
