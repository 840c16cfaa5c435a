package edge.modules.k8s;

import edge.module.ModuleException;
import edge.module.TaskContext;
import edge.transport.k8s.KubeConnection;
import edge.transport.k8s.KubeException;
import edge.transport.k8s.KubeResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Read-only readiness checks, polled until a timeout: CRDs Established (and NamesAccepted),
 * Deployments Available, DaemonSets rolled out, Services with a ready endpoint.
 */
final class Waits {
    static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/";

    private final KubeConnection conn;
    private final TaskContext ctx;

    Waits(KubeConnection conn, TaskContext ctx) {
        this.conn = conn;
        this.ctx = ctx;
    }

    interface Check {
        /** Why the object is not ready yet, or null when it is. */
        String notReady() throws ModuleException;
    }

    /**
     * Polls {@code check} (250 ms, growing to 1 s) until it passes or {@code timeout} ends: a wait ends
     * within a second of the object being ready, for one GET a second at most.
     */
    void until(String what, Duration timeout, Check check) throws ModuleException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long delay = 250;
        while (true) {
            String why = check.notReady();
            if (why == null) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new ModuleException(what + " not ready after " + timeout.toSeconds() + "s: " + why);
            }
            ctx.log("waiting for " + what + ": " + why);
            ctx.progress("waiting for " + what + ": " + why + " (" + (System.nanoTime() - start) / 1_000_000_000 + " s of "
                    + timeout.toSeconds() + " s)");
            ctx.sleep(Duration.ofMillis(delay));
            delay = Math.min(delay * 2, 1000);
        }
    }

    String crdNotEstablished(String name) throws ModuleException {
        Map<String, Object> crd = get(CRD_PATH + name);
        if (crd == null) {
            return "CRD " + name + " does not exist";
        }
        if (!"True".equals(ObjectTree.condition(crd, "NamesAccepted"))) {
            return "CRD " + name + " names not accepted yet";
        }
        if (!"True".equals(ObjectTree.condition(crd, "Established"))) {
            return "CRD " + name + " not Established yet";
        }
        return null;
    }

    /** Why the object of kind Deployment, DaemonSet or Service is not ready, or null (null also for other kinds). */
    String notReady(ObjectRef ref, String path) throws ModuleException {
        switch (ref.kind()) {
            case "Deployment" -> {
                Map<String, Object> d = get(path);
                if (d == null) {
                    return "does not exist";
                }
                long gen = ObjectTree.asLong(ObjectTree.at(d, "metadata", "generation"), 0);
                long observed = ObjectTree.asLong(ObjectTree.at(d, "status", "observedGeneration"), -1);
                long replicas = ObjectTree.asLong(ObjectTree.at(d, "spec", "replicas"), 1);
                long updated = ObjectTree.asLong(ObjectTree.at(d, "status", "updatedReplicas"), 0);
                long available = ObjectTree.asLong(ObjectTree.at(d, "status", "availableReplicas"), 0);
                if (observed < gen) {
                    return "the Deployment controller has not observed generation " + gen + " yet";
                }
                if (updated < replicas || available < replicas || !"True".equals(ObjectTree.condition(d, "Available"))) {
                    return updated + "/" + replicas + " updated, " + available + "/" + replicas + " available";
                }
                return null;
            }
            case "DaemonSet" -> {
                Map<String, Object> d = get(path);
                if (d == null) {
                    return "does not exist";
                }
                long gen = ObjectTree.asLong(ObjectTree.at(d, "metadata", "generation"), 0);
                long observed = ObjectTree.asLong(ObjectTree.at(d, "status", "observedGeneration"), -1);
                if (observed < 0) {
                    return "no status yet (is a DaemonSet controller running?)";
                }
                if (observed < gen) {
                    return "the DaemonSet controller has not observed generation " + gen + " yet";
                }
                long desired = ObjectTree.asLong(ObjectTree.at(d, "status", "desiredNumberScheduled"), 0);
                long updated = ObjectTree.asLong(ObjectTree.at(d, "status", "updatedNumberScheduled"), 0);
                long available = ObjectTree.asLong(ObjectTree.at(d, "status", "numberAvailable"), 0);
                if (updated < desired || available < desired) {
                    return updated + "/" + desired + " updated, " + available + "/" + desired + " available";
                }
                return null;
            }
            case "Service" -> {
                Map<String, Object> s = get(path);
                if (s == null) {
                    return "does not exist";
                }
                if (ObjectTree.map(ObjectTree.at(s, "spec", "selector")).isEmpty() || "ExternalName".equals(ObjectTree.at(s, "spec", "type"))) {
                    return null;
                }
                KubeResponse r = call("/apis/discovery.k8s.io/v1/namespaces/" + ref.namespace() + "/endpointslices",
                        Map.of("labelSelector", "kubernetes.io/service-name=" + ref.name()));
                if (!r.ok()) {
                    return "cannot list its EndpointSlices: HTTP " + r.code() + ": " + r.message();
                }
                for (Object slice : ObjectTree.list(r.json().get("items"))) {
                    for (Object ep : ObjectTree.list(ObjectTree.map(slice).get("endpoints"))) {
                        Map<String, Object> e = ObjectTree.map(ep);
                        if (!ObjectTree.list(e.get("addresses")).isEmpty()
                                && !Boolean.FALSE.equals(ObjectTree.at(e, "conditions", "ready"))) {
                            return null;
                        }
                    }
                }
                return "no ready endpoint";
            }
            default -> {
                return null;
            }
        }
    }

    static final List<String> WAITABLE = List.of("Deployment", "DaemonSet", "Service");

    private Map<String, Object> get(String path) throws ModuleException {
        KubeResponse r = call(path, Map.of());
        if (r.code() == 404) {
            return null;
        }
        if (!r.ok()) {
            throw new ModuleException("GET " + path + ": HTTP " + r.code() + ": " + r.message());
        }
        return r.json();
    }

    private KubeResponse call(String path, Map<String, String> query) throws ModuleException {
        try {
            return conn.get(path, query);
        } catch (KubeException e) {
            throw KubeTask.error(e);
        }
    }
}
