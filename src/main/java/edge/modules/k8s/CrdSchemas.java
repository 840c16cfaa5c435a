package edge.modules.k8s;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code openAPIV3Schema} of each served version of some CustomResourceDefinitions, by
 * apiVersion and kind: from a manifest's CRD documents or from the cluster.
 */
final class CrdSchemas {
    /** One served version of a CRD. */
    record Entry(String group, String version, String kind, String plural, boolean namespaced, Map<String, Object> schema,
                 String crdName, String source, Map<String, Object> crd) {
        String apiVersion() {
            return group + "/" + version;
        }

        /** How the cluster will serve this kind once the CRD is applied. */
        edge.transport.k8s.ApiResource resource() {
            return new edge.transport.k8s.ApiResource(group, version, kind, plural, namespaced);
        }
    }

    private final Map<String, Entry> byApiVersionKind = new LinkedHashMap<>();
    private final List<Map<String, Object>> crds = new ArrayList<>();

    static boolean isCrd(Map<String, Object> obj) {
        return "CustomResourceDefinition".equals(obj.get("kind"))
                && String.valueOf(obj.get("apiVersion")).startsWith("apiextensions.k8s.io/");
    }

    /** Adds the CRDs among {@code objects} (other kinds are ignored). */
    CrdSchemas addAll(List<Map<String, Object>> objects, String source) {
        for (Map<String, Object> o : objects) {
            if (isCrd(o)) {
                add(o, source);
            }
        }
        return this;
    }

    synchronized CrdSchemas add(Map<String, Object> crd, String source) {
        Map<String, Object> spec = ObjectTree.map(crd.get("spec"));
        String group = ObjectTree.str(spec.get("group"));
        Map<String, Object> names = ObjectTree.map(spec.get("names"));
        String kind = ObjectTree.str(names.get("kind"));
        if (group == null || kind == null) {
            return this;
        }
        crds.add(crd);
        for (Object v : ObjectTree.list(spec.get("versions"))) {
            Map<String, Object> ver = ObjectTree.map(v);
            if (Boolean.FALSE.equals(ver.get("served"))) {
                continue;
            }
            Map<String, Object> schema = ObjectTree.map(ObjectTree.at(ver, "schema", "openAPIV3Schema"));
            String version = ObjectTree.str(ver.get("name"));
            byApiVersionKind.put(group + "/" + version + "|" + kind, new Entry(group, version, kind,
                    ObjectTree.str(names.get("plural")), !"Cluster".equals(spec.get("scope")), schema,
                    ObjectTree.str(ObjectTree.at(crd, "metadata", "name")), source, crd));
        }
        return this;
    }

    synchronized Optional<Entry> find(String apiVersion, String kind) {
        return Optional.ofNullable(byApiVersionKind.get(apiVersion + "|" + kind));
    }

    /** Whether some version of the group's kind is defined (to tell "wrong version" from "unknown kind"). */
    synchronized List<String> versionsOf(String group, String kind) {
        List<String> vs = new ArrayList<>();
        for (Entry e : byApiVersionKind.values()) {
            if (e.group().equals(group) && e.kind().equals(kind)) {
                vs.add(e.version());
            }
        }
        return vs;
    }

    synchronized List<Map<String, Object>> crds() {
        return List.copyOf(crds);
    }

    synchronized boolean isEmpty() {
        return byApiVersionKind.isEmpty();
    }
}
