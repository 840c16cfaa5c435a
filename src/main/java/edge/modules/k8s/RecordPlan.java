package edge.modules.k8s;

import edge.module.Change;
import edge.module.ModuleException;
import edge.transport.k8s.ApiResource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code k8s_manifest} does with its record of what it applied (a ConfigMap
 * {@code edge-manifest-<name>}): which recorded objects left the manifest, which of them it deletes
 * ({@code prune: true}; only objects edge applied, of a kind and in a namespace the manifest still
 * uses, never from a record someone else edited), and how the record is rewritten.
 */
final class RecordPlan {
    static final ApiResource CONFIG_MAPS = new ApiResource("", "v1", "ConfigMap", "configmaps", true);

    final ObjectRef recordRef;
    final Map<String, Object> desiredRecord;
    /** Recorded objects that left the manifest and still exist (deleted when pruning). */
    final List<ObjectRef> stale = new ArrayList<>();
    /** Recorded entries edge refuses to prune, with the reason. */
    final List<String> ignored = new ArrayList<>();
    /** What pruning deletes, in deletion order (custom resources before their CRDs, objects before their namespace). */
    final List<Map.Entry<ObjectRef, ApiResource>> toDelete = new ArrayList<>();
    final List<Change> pruneChanges = new ArrayList<>();
    final List<Change> recordChanges = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();

    /**
     * Reads the record and decides. {@code plans} are the manifest's objects; {@code newNamespaces} the
     * namespaces this apply creates (a record there cannot exist yet).
     */
    RecordPlan(Reconciler rec, String name, String recordNs, ManifestSource.Loaded loaded, List<Reconciler.ObjectPlan> plans,
               Set<String> newNamespaces, boolean prune) throws ModuleException {
        recordRef = new ObjectRef("v1", "ConfigMap", recordNs, ManifestRecord.configMapName(name));
        Map<String, Object> liveRecord = newNamespaces.contains(recordNs) ? null : rec.get(CONFIG_MAPS, recordRef);
        Set<String> current = new HashSet<>();
        List<ObjectRef> applied = new ArrayList<>();
        for (Reconciler.ObjectPlan p : plans) {
            current.add(p.ref().identity());
            applied.add(p.ref());
        }
        List<ObjectRef> recorded = ManifestRecord.objects(liveRecord);
        String distrust = liveRecord == null ? null : ManifestRecord.untrusted(liveRecord);
        if (distrust != null) {
            String what = "edge's record " + recordRef.display() + " was not written by edge alone: " + distrust;
            if (prune) {
                throw new ModuleException(what + ". Refusing to prune from it (nothing was changed): whoever can edit it could"
                        + " make edge delete other objects. Check who changed it; then delete it (edge records the current"
                        + " manifest afresh, and objects that already left the manifest are not pruned) or run once with"
                        + " prune: false, which rewrites it from the manifest.");
            }
            warnings.add(what + "; its object list is not used, and edge rewrites it from the manifest");
            recorded = List.of();
        }
        findStale(rec, recorded, current, recordNs, new K8sManifestModule.PruneScope(plans), prune);
        if (!ignored.isEmpty()) {
            warnings.add("edge's record " + recordRef.display() + " lists " + ignored.size() + " object(s) that edge does not prune"
                    + " and drops from the record: " + String.join(", ", ignored));
        }
        List<ObjectRef> recordObjects = new ArrayList<>(applied);
        if (!prune) {
            recordObjects.addAll(stale);
        }
        desiredRecord = ManifestRecord.desired(name, recordNs, loaded.origin(), loaded.sha256(), recordObjects);
        recordChanges(liveRecord, recordObjects.size(), loaded.sha256());
    }

    /** Forwards, in the record's order: the record is written back in this order (a stable record is no change). */
    private void findStale(Reconciler rec, List<ObjectRef> recorded, Set<String> current, String recordNs,
                           K8sManifestModule.PruneScope scope, boolean prune) throws ModuleException {
        for (ObjectRef old : recorded) {
            if (current.contains(old.identity()) || (old.kind().equals("Namespace") && old.name().equals(recordNs))) {
                continue;
            }
            String why = scope.outside(old);
            if (why != null) {
                ignored.add(old.display() + " (" + why + ")");
                continue;
            }
            Optional<ApiResource> r = rec.resource(old);
            if (r.isEmpty()) {
                continue; // kind no longer served: gone with its CRD
            }
            why = scope.outside(old, r.get());
            if (why != null) {
                ignored.add(old.display() + " (" + why + ")");
                continue;
            }
            Map<String, Object> live = rec.get(r.get(), old);
            if (live == null) {
                continue; // already gone
            }
            if (!ManifestRecord.appliedByEdge(live)) {
                ignored.add(old.display() + " (not applied by edge: no server-side apply of field manager \"edge\" on it)");
                continue;
            }
            stale.add(old);
            if (prune) {
                toDelete.add(Map.entry(old, r.get()));
                pruneChanges.add(Change.delete(old.display(), "left the manifest: delete"));
            }
        }
        Collections.reverse(toDelete);
        Collections.reverse(pruneChanges);
    }

    private void recordChanges(Map<String, Object> liveRecord, int objects, String sha256) {
        if (liveRecord == null) {
            recordChanges.add(Change.create(recordRef.display() + " (edge's record of this manifest)", objects + " objects, sha256 " + sha256));
        } else if (!desiredRecord.get("data").equals(liveRecord.get("data"))
                || !"edge".equals(ObjectTree.at(liveRecord, "metadata", "labels", ManifestRecord.MANAGED_BY))) {
            Map<String, Object> liveData = ObjectTree.map(liveRecord.get("data"));
            Map<String, Object> newData = ObjectTree.map(desiredRecord.get("data"));
            for (String k : List.of("source", "sha256")) {
                if (!String.valueOf(newData.get(k)).equals(String.valueOf(liveData.get(k)))) {
                    recordChanges.add(Change.of(recordRef.display() + " data." + k, liveData.get(k), newData.get(k)));
                }
            }
            if (recordChanges.isEmpty()) {
                recordChanges.add(Change.of(recordRef.display() + " data.objects", ManifestRecord.objects(liveRecord).size()
                        + " objects", objects + " objects"));
            }
        }
    }
}
