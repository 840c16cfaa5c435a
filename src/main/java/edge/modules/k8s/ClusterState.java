package edge.modules.k8s;

import edge.module.ModuleException;
import edge.transport.k8s.ApiResource;
import edge.transport.k8s.KubeConnection;
import edge.transport.k8s.KubeException;
import edge.transport.k8s.KubeResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the k8s tasks of one run know about one cluster beyond discovery: the CRDs that
 * {@code k8s_manifest} tasks of this run applied or planned (so that a later {@code k8s_resource}
 * validates against them, even in --check before they exist), and the CRD schemas read from the
 * cluster (one GET per CRD per run).
 */
final class ClusterState {
    final CrdSchemas fromManifests = new CrdSchemas();
    /** CRD name -> its schemas as read from the cluster (empty when the cluster has no such CRD). */
    private final Map<String, CrdSchemas> live = new HashMap<>();

    static ClusterState of(KubeConnection conn) {
        return conn.attribute("edge.k8s.cluster-state", ClusterState::new);
    }

    /** The schema for a custom resource: from a manifest of this run, else the cluster's CRD, else empty. */
    Optional<CrdSchemas.Entry> schema(KubeConnection conn, ObjectRef ref, ApiResource res) throws ModuleException {
        Optional<CrdSchemas.Entry> m = fromManifests.find(ref.apiVersion(), ref.kind());
        if (m.isPresent() || res == null) {
            return m;
        }
        return liveCrd(conn, res.plural() + "." + res.group()).find(ref.apiVersion(), ref.kind());
    }

    /** The cluster's CRD {@code name} (e.g. bgppeers.metallb.io), read once per run; empty schemas when absent. */
    synchronized CrdSchemas liveCrd(KubeConnection conn, String name) throws ModuleException {
        CrdSchemas s = live.get(name);
        if (s != null) {
            return s;
        }
        s = new CrdSchemas();
        if (name.contains(".") && !name.endsWith(".") && !isBuiltInGroup(name.substring(name.indexOf('.') + 1))) {
            KubeResponse r;
            try {
                r = conn.get(Waits.CRD_PATH + name);
            } catch (KubeException e) {
                throw KubeTask.error(e);
            }
            if (r.ok()) {
                s.add(r.json(), "the cluster's CRD " + name);
            }
        }
        live.put(name, s);
        return s;
    }

    /** Groups served by Kubernetes itself (never by a CRD): no CRD lookup for them. */
    static boolean isBuiltInGroup(String group) {
        return group.isEmpty() || !group.contains(".") || (group.endsWith(".k8s.io") && !group.endsWith(".x-k8s.io"));
    }
}
