package edge.modules.k8s;

import java.util.LinkedHashMap;
import java.util.Map;

/** Names one Kubernetes object: apiVersion, kind, namespace (null for cluster-scoped) and name. */
record ObjectRef(String apiVersion, String kind, String namespace, String name) {

    static ObjectRef of(Map<String, Object> obj) {
        Map<String, Object> md = ObjectTree.map(obj.get("metadata"));
        return new ObjectRef(ObjectTree.str(obj.get("apiVersion")), ObjectTree.str(obj.get("kind")),
                ObjectTree.str(md.get("namespace")), ObjectTree.str(md.get("name")));
    }

    String group() {
        return apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    }

    /**
     * Whether {@code s} can stand as one segment of an API path: not empty, not {@code .} or
     * {@code ..}, and free of characters that would end or escape the segment ({@code / % ? #},
     * whitespace, control characters). Kubernetes never gives an object such a name; a record
     * entry that has one is refused, so that it cannot address another object.
     */
    static boolean pathSafe(String s) {
        if (s == null || s.isEmpty() || s.equals(".") || s.equals("..")) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' || c == '%' || c == '?' || c == '#' || c == '\\' || Character.isWhitespace(c) || Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }

    ObjectRef withNamespace(String ns) {
        return new ObjectRef(apiVersion, kind, ns, name);
    }

    /** {@code IPAddressPool metallb-system/metallb-pool}, {@code CustomResourceDefinition bgppeers.metallb.io}. */
    String display() {
        return kind + " " + (namespace == null ? "" : namespace + "/") + name;
    }

    /** Identity across versions of a kind (apiVersion's group only): for inventories and pruning. */
    String identity() {
        return group() + "/" + kind + "/" + (namespace == null ? "" : namespace) + "/" + name;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("apiVersion", apiVersion);
        m.put("kind", kind);
        if (namespace != null) {
            m.put("namespace", namespace);
        }
        m.put("name", name);
        return m;
    }

    static ObjectRef fromMap(Map<?, ?> m) {
        return new ObjectRef(ObjectTree.str(m.get("apiVersion")), ObjectTree.str(m.get("kind")), ObjectTree.str(m.get("namespace")),
                ObjectTree.str(m.get("name")));
    }

    @Override
    public String toString() {
        return display();
    }
}
