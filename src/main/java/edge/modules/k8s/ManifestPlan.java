package edge.modules.k8s;

import edge.module.Change;
import edge.module.ModuleException;
import edge.module.TaskContext;
import edge.transport.k8s.ApiResource;
import edge.transport.k8s.KubeConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code k8s_manifest} will do to a cluster, as data: each object's plan, the record and what
 * pruning deletes, and what to wait for; and {@link #apply()}, which does exactly that, in order:
 * Namespaces and CRDs first (each batch of CRDs waited for until Established, then the group-versions
 * discovered again), then the rest in file order, then pruning, the record, and the waits.
 */
final class ManifestPlan {
    static final Duration CRD_TIMEOUT = Duration.ofSeconds(120);

    private final KubeConnection conn;
    private final TaskContext ctx;
    private final Reconciler rec;
    private final List<Reconciler.ObjectPlan> objects;
    private final RecordPlan record;
    private final List<String> waitKinds;
    private final Waits waits;

    ManifestPlan(KubeConnection conn, TaskContext ctx, Reconciler rec, List<Reconciler.ObjectPlan> objects, RecordPlan record,
                 List<String> waitKinds) {
        this.conn = conn;
        this.ctx = ctx;
        this.rec = rec;
        this.objects = objects;
        this.record = record;
        this.waitKinds = waitKinds;
        this.waits = new Waits(conn, ctx);
    }

    /** Every change, in the order they are made: objects, prunes, the record. */
    List<Change> changes() {
        List<Change> changes = new ArrayList<>();
        objects.forEach(p -> changes.addAll(p.changes()));
        changes.addAll(record.pruneChanges);
        changes.addAll(record.recordChanges);
        return changes;
    }

    List<Map<String, Object>> summaries() {
        return objects.stream().map(Reconciler.ObjectPlan::summary).toList();
    }

    long changedObjects() {
        return objects.stream().filter(Reconciler.ObjectPlan::changing).count();
    }

    /** When nothing changes: checks the waits (in check mode once, without waiting), adding what is not ready to the warnings. */
    void awaitUnchanged(boolean checkOnly, List<String> warnings) throws ModuleException {
        if (!waitKinds.isEmpty()) {
            waitAll(checkOnly ? Duration.ZERO : ctx.secondsArg("wait_timeout"), checkOnly, warnings);
        }
    }

    /** Applies the plan. Returns what the task reports about it. */
    Map<String, Object> apply(Map<String, Long> requestsBefore) throws ModuleException {
        Map<String, Object> data = new LinkedHashMap<>();
        List<String> crdNames = new ArrayList<>();
        Set<String> crdGroupVersions = new LinkedHashSet<>();
        for (Reconciler.ObjectPlan p : objects) {
            if (!p.changing()) {
                continue;
            }
            boolean isCrd = CrdSchemas.isCrd(p.desired());
            if (!isCrd && !crdNames.isEmpty()) {
                awaitCrds(crdNames, crdGroupVersions);
            }
            ObjectRef ref = rec.applyPlanned(p, conn.defaultNamespace());
            if (isCrd) {
                crdNames.add(ref.name());
                for (Object v : ObjectTree.list(ObjectTree.at(p.desired(), "spec", "versions"))) {
                    crdGroupVersions.add(ObjectTree.at(p.desired(), "spec", "group") + "/" + ObjectTree.map(v).get("name"));
                }
            }
        }
        if (!crdNames.isEmpty()) {
            awaitCrds(crdNames, crdGroupVersions);
        }
        List<String> deleted = new ArrayList<>();
        for (Map.Entry<ObjectRef, ApiResource> e : record.toDelete) {
            if (rec.delete(e.getValue(), e.getKey(), false)) {
                deleted.add(e.getKey().display());
            }
        }
        if (!record.recordChanges.isEmpty()) {
            // The record is edge's own object: forced, so that edge owns its data again after someone else wrote it.
            new Reconciler(conn, ctx, true, ctx.secondsArg("webhook_timeout")).apply(RecordPlan.CONFIG_MAPS, record.recordRef,
                    record.desiredRecord);
        }
        if (!deleted.isEmpty()) {
            data.put("pruned", deleted);
        }
        if (!waitKinds.isEmpty()) {
            waitAll(ctx.secondsArg("wait_timeout"), false, new ArrayList<>());
        }
        if (rec.webhookRetries() > 0) {
            data.put("webhook_retries", rec.webhookRetries());
        }
        data.put("api_requests", conn.counter().since(requestsBefore));
        data.put("record_namespace", record.recordRef.namespace());
        return data;
    }

    /** Waits until the CRDs just applied are Established, then forgets what discovery knew of their group-versions. */
    private void awaitCrds(List<String> names, Set<String> groupVersions) throws ModuleException {
        for (String n : names) {
            waits.until("CRD " + n, CRD_TIMEOUT, () -> waits.crdNotEstablished(n));
        }
        groupVersions.forEach(gv -> conn.discovery().invalidate(gv));
        names.clear();
        groupVersions.clear();
    }

    private void waitAll(Duration timeout, boolean checkOnly, List<String> warnings) throws ModuleException {
        for (Reconciler.ObjectPlan p : objects) {
            ObjectRef ref = p.ref();
            if (!waitKinds.contains(ref.kind()) || p.resource() == null && p.action() == Reconciler.Action.PENDING && checkOnly) {
                continue;
            }
            ApiResource res = p.resource() != null ? p.resource() : new ApiResource(ref.group(),
                    ref.apiVersion().substring(ref.apiVersion().indexOf('/') + 1), ref.kind(), plural(ref.kind()), true);
            String path = res.path(ref.namespace(), ref.name());
            if (checkOnly) {
                String why = waits.notReady(ref, path);
                if (why != null) {
                    warnings.add(ref.display() + " is not ready: " + why);
                }
            } else {
                waits.until(ref.display(), timeout, () -> waits.notReady(ref, path));
            }
        }
    }

    private static String plural(String kind) {
        return switch (kind) {
            case "Deployment" -> "deployments";
            case "DaemonSet" -> "daemonsets";
            case "Service" -> "services";
            default -> kind.toLowerCase(Locale.ROOT) + "s";
        };
    }
}
