package edge.modules.k8s;

import edge.transport.k8s.ServerVersion;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Combinations of cluster and manifest known to break, checked at plan time before any change:
 * <ul>
 *   <li>Kubernetes >= 1.36 enforces that an integer's {@code maximum}/{@code minimum} fit its
 *       {@code format}; MetalLB 0.14.x/0.15.x CRDs declare the BGPPeer ASNs {@code format: int32} with
 *       {@code maximum: 4294967295}, so every BGPPeer fails (metallb#3034, fixed in 0.16.0 by #3035).
 *       Detected from the CRD schemas themselves, so it also catches other CRDs with the same defect.</li>
 *   <li>MetalLB >= 0.14 needs Kubernetes >= 1.21 (EndpointSlices only).</li>
 * </ul>
 */
final class Compatibility {
    static final long INT32_MAX = Integer.MAX_VALUE;
    static final long INT32_MIN = Integer.MIN_VALUE;

    private Compatibility() {
    }

    /** One problem per offending CRD/kind; empty when the combination is fine. */
    static List<String> problems(ServerVersion server, CrdSchemas crds, String metallbVersion) {
        List<String> out = new ArrayList<>();
        if (server.atLeast(1, 36)) {
            Set<String> seen = new LinkedHashSet<>();
            for (Map<String, Object> crd : crds.crds()) {
                String crdName = ObjectTree.str(ObjectTree.at(crd, "metadata", "name"));
                String kind = ObjectTree.str(ObjectTree.at(crd, "spec", "names", "kind"));
                for (Object v : ObjectTree.list(ObjectTree.at(crd, "spec", "versions"))) {
                    Map<String, Object> ver = ObjectTree.map(v);
                    List<String> bad = new ArrayList<>();
                    int32Overflows(ObjectTree.map(ObjectTree.at(ver, "schema", "openAPIV3Schema")), "", bad);
                    if (!bad.isEmpty() && seen.add(crdName)) {
                        out.add((metallbVersion != null ? "MetalLB " + metallbVersion + ": " : "") + "CRD " + crdName
                                + " declares " + String.join(", ", bad) + " as integer format int32 with a bound outside int32"
                                + " (maximum 4294967295); Kubernetes " + server + " (>= 1.36) rejects that schema, so every " + kind
                                + " fails (metallb#3034). Fix: use MetalLB >= 0.16.0 (fixed by metallb#3035), or a cluster on"
                                + " Kubernetes <= 1.35");
                    }
                }
            }
        }
        if (metallbVersion != null && compare(metallbVersion, "0.14.0") >= 0 && !server.atLeast(1, 21)) {
            out.add("MetalLB " + metallbVersion + " needs Kubernetes >= 1.21 (it uses EndpointSlices only); the cluster runs "
                    + server + ". Fix: upgrade the cluster, or use MetalLB 0.13.x");
        }
        return out;
    }

    private static void int32Overflows(Map<String, Object> schema, String path, List<String> out) {
        if ("integer".equals(schema.get("type")) && "int32".equals(schema.get("format"))) {
            boolean over = schema.get("maximum") instanceof Number max && max.doubleValue() > INT32_MAX;
            boolean under = schema.get("minimum") instanceof Number min && min.doubleValue() < INT32_MIN;
            if (over || under) {
                out.add(path.isEmpty() ? "(root)" : path);
            }
        }
        ObjectTree.map(schema.get("properties")).forEach((k, v) -> int32Overflows(ObjectTree.map(v), path.isEmpty() ? k : path + "." + k, out));
        if (schema.get("items") instanceof Map<?, ?> items) {
            int32Overflows(ObjectTree.map(items), path + "[]", out);
        }
        if (schema.get("additionalProperties") instanceof Map<?, ?> ap) {
            int32Overflows(ObjectTree.map(ap), path + ".*", out);
        }
    }

    /** Compares dotted versions numerically ("0.14.8" < "0.16.0"). */
    static int compare(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? parse(x[i]) : 0;
            int q = i < y.length ? parse(y[i]) : 0;
            if (p != q) {
                return Integer.compare(p, q);
            }
        }
        return 0;
    }

    private static int parse(String s) {
        String d = s.replaceAll("\\D.*", "");
        return d.isEmpty() ? 0 : Integer.parseInt(d);
    }

    /**
     * What both Kubernetes modules do with known-broken combinations: refuse before any change (the
     * default), or with {@code compatibility: warn} add them to the task's warnings.
     */
    static void gate(edge.module.TaskContext ctx, java.util.Collection<String> problems, List<String> warnings)
            throws edge.module.ModuleException {
        if (problems.isEmpty()) {
            return;
        }
        if (!"warn".equals(ctx.stringArg("compatibility"))) {
            throw new edge.module.ModuleException(String.join("; ", new java.util.LinkedHashSet<>(problems))
                    + " (nothing was changed; compatibility: warn applies anyway)");
        }
        warnings.addAll(problems);
    }
}
