package edge.modules.k8s;

import edge.core.Problem;
import edge.module.Change;
import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.SharedSystem;
import edge.module.TaskContext;
import edge.module.ValidationContext;
import edge.transport.k8s.ApiResource;
import edge.transport.k8s.KubeConnection;
import edge.transport.k8s.KubeException;
import edge.transport.k8s.ServerVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code k8s_manifest}: a multi-document manifest (MetalLB's {@code metallb-native.yaml}) from a URL
 * pinned by sha256, or a file, server-side applied with field manager {@code edge}.
 *
 * <p>Plan: the bytes are fetched (or taken from the per-user cache) and verified before the cluster is
 * contacted; then the server version is checked against the manifest (known-broken combinations are
 * refused); then each object is compared with a server-side dry run of it. Apply: Namespaces, then
 * CRDs (waited for until Established, then the group-versions are discovered again), then the rest
 * in file order; then pruning (opt-in) and edge's record of what was applied; then optional waits.
 */
public final class K8sManifestModule implements Module, SharedSystem {
    static final String NAME = "k8s_manifest";
    static final Duration CRD_TIMEOUT = Duration.ofSeconds(120);

    @Override
    public String name() {
        return NAME;
    }


    @Override
    public Optional<String> sharedSystem(TaskContext ctx) {
        return K8sSupport.sharedSystem(ctx);
    }

    @Override
    public List<Problem> validate(ValidationContext ctx) {
        List<Problem> out = new ArrayList<>();
        Map<String, Object> raw = ctx.rawArgs();
        boolean hasUrl = raw.get("url") != null;
        boolean hasSrc = raw.get("src") != null;
        if (hasUrl == hasSrc) {
            out.add(ctx.problem(hasUrl ? "give either url (with sha256) or src, not both" : "give url (with sha256) or src"));
            return out;
        }
        String host = ctx.hosts().isEmpty() ? null : ctx.hosts().get(0);
        String url = PlaybookManifests.rendered(ctx, raw.get("url"), host);
        String src = PlaybookManifests.rendered(ctx, raw.get("src"), host);
        String sha = PlaybookManifests.rendered(ctx, raw.get("sha256"), host);
        if ((hasUrl && url == null) || (hasSrc && src == null) || (raw.get("sha256") != null && sha == null)) {
            return out; // depends on facts: checked when the task runs
        }
        boolean remote = url != null && ManifestSource.isRemote(url);
        if (url != null && !remote && !url.toLowerCase(Locale.ROOT).startsWith("file:")) {
            out.add(ctx.problem("unsupported url scheme: use https://, http://, file:// or src: PATH", "url"));
            return out;
        }
        if (!remote) {
            Path path;
            try {
                path = ManifestSource.localPath(url, src, ctx.playbook().dir());
            } catch (IllegalArgumentException e) {
                out.add(ctx.problem("bad url: " + e.getMessage(), "url"));
                return out;
            }
            Optional<byte[]> bytes = ManifestSource.local(url, src, sha, ctx.playbook().dir());
            if (bytes.isEmpty()) {
                out.add(ctx.problem("manifest " + path + " does not exist", hasUrl ? "url" : "src"));
            } else if (sha != null && !ManifestSource.sha256(bytes.get()).equalsIgnoreCase(sha.strip())) {
                out.add(ctx.problem("sha256 mismatch: " + path + " has " + ManifestSource.sha256(bytes.get())
                        + "; refusing the manifest (update sha256 if the new content is intended)", "sha256"));
            } else {
                try {
                    Manifest.parse(path.toString(), bytes.get());
                } catch (ModuleException e) {
                    out.add(ctx.problem(e.getMessage(), hasUrl ? "url" : "src"));
                }
            }
        }
        return out;
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        String url = ctx.stringArg("url", null);
        String src = ctx.stringArg("src", null);
        // 1. The bytes, verified, before any contact with the cluster.
        ManifestSource.Loaded loaded = ManifestSource.load(url, src, ctx.stringArg("sha256", null), ctx.playbookDir(),
                ctx.secondsArg("download_timeout"));
        Manifest manifest = Manifest.parse(loaded.origin(), loaded.bytes());

        KubeConnection conn = K8sSupport.connection(ctx);
        Map<String, Long> before = conn.counter().snapshot();
        ServerVersion version;
        try {
            version = conn.serverVersion();
        } catch (KubeException e) {
            throw K8sSupport.error(e);
        }
        // 2. Compatibility, before any change.
        CrdSchemas crds = manifest.crdSchemas();
        List<String> warnings = new ArrayList<>(conn.warnings());
        List<String> incompatible = Compatibility.problems(version, crds, manifest.metallbVersion());
        Compatibility.gate(ctx, incompatible, warnings);
        ClusterState state = ClusterState.of(conn);
        crds.crds().forEach(c -> state.fromManifests.add(c, loaded.origin()));

        // 3. Per object: dry run vs live.
        Reconciler rec = new Reconciler(conn, ctx, ctx.boolArg("force"), ctx.secondsArg("webhook_timeout"));
        boolean check = ctx.checkMode();
        List<Reconciler.ObjectPlan> plans = new ArrayList<>();
        Set<String> newNamespaces = new HashSet<>();
        for (Manifest.Doc doc : manifest.ordered()) {
            Map<String, Object> body = Objects2.deepCopy(doc.body());
            ObjectRef ref = doc.ref();
            Optional<ApiResource> res = rec.resource(ref);
            if (res.isEmpty()) {
                Optional<CrdSchemas.Entry> def = crds.find(ref.apiVersion(), ref.kind());
                if (def.isEmpty()) {
                    throw new ModuleException(doc.at().format() + ": " + ApiErrors.notServed(ref,
                            "and the manifest does not define it (missing CRD?)"));
                }
                CrdSchemas.Entry e = def.get();
                ref = rec.normalize(body, e.resource(),
                        conn.defaultNamespace());
                plans.add(Reconciler.pending(ref, body, check ? "CRD not installed yet: would create" : "create (after its CRD)"));
                continue;
            }
            ref = rec.normalize(body, res.get(), conn.defaultNamespace());
            if (ref.namespace() != null && newNamespaces.contains(ref.namespace())) {
                plans.add(Reconciler.pending(ref, body, check ? "namespace " + ref.namespace() + " not created yet: would create"
                        : "create (after namespace " + ref.namespace() + ")"));
                continue;
            }
            Reconciler.ObjectPlan p = rec.plan(res.get(), ref, body, false);
            if ("Namespace".equals(ref.kind()) && p.action() == Reconciler.Action.CREATE) {
                newNamespaces.add(ref.name());
            }
            plans.add(p);
        }

        // 4. The record of what was applied, and pruning.
        String name = recordName(ctx, manifest, loaded);
        String recordNs = ctx.stringArg("record_namespace", null);
        if (recordNs == null) {
            recordNs = manifest.namespaces().size() == 1 ? manifest.namespaces().get(0) : "default";
        }
        String recordName = ManifestRecord.configMapName(name);
        ApiResource cmRes = new ApiResource("", "v1", "ConfigMap", "configmaps", true);
        ObjectRef recordRef = new ObjectRef("v1", "ConfigMap", recordNs, recordName);
        Map<String, Object> liveRecord = newNamespaces.contains(recordNs) ? null : rec.get(cmRes, recordRef);
        Set<String> current = new HashSet<>();
        List<ObjectRef> applied = new ArrayList<>();
        for (Reconciler.ObjectPlan p : plans) {
            current.add(p.ref().identity());
            applied.add(p.ref());
        }
        boolean prune = ctx.boolArg("prune");
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
        PruneScope scope = new PruneScope(plans);
        List<ObjectRef> stale = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        List<Map.Entry<ObjectRef, ApiResource>> toDelete = new ArrayList<>();
        List<Change> pruneChanges = new ArrayList<>();
        // Forwards, in the record's order: the record is written back in this order (a stable record is no change).
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
        // Deleted in reverse order of the record (custom resources before their CRDs, objects before their namespace).
        java.util.Collections.reverse(toDelete);
        java.util.Collections.reverse(pruneChanges);
        if (!ignored.isEmpty()) {
            warnings.add("edge's record " + recordRef.display() + " lists " + ignored.size() + " object(s) that edge does not prune"
                    + " and drops from the record: " + String.join(", ", ignored));
        }
        List<ObjectRef> recordObjects = new ArrayList<>(applied);
        if (!prune) {
            recordObjects.addAll(stale);
        }
        Map<String, Object> desiredRecord = ManifestRecord.desired(name, recordNs, loaded.origin(), loaded.sha256(), recordObjects);
        List<Change> recordChanges = new ArrayList<>();
        if (liveRecord == null) {
            recordChanges.add(Change.create(recordRef.display() + " (edge's record of this manifest)",
                    recordObjects.size() + " objects, sha256 " + loaded.sha256()));
        } else if (!desiredRecord.get("data").equals(liveRecord.get("data"))
                || !"edge".equals(Objects2.at(liveRecord, "metadata", "labels", ManifestRecord.MANAGED_BY))) {
            Map<String, Object> liveData = Objects2.map(liveRecord.get("data"));
            Map<String, Object> newData = Objects2.map(desiredRecord.get("data"));
            for (String k : List.of("source", "sha256")) {
                if (!String.valueOf(newData.get(k)).equals(String.valueOf(liveData.get(k)))) {
                    recordChanges.add(Change.of(recordRef.display() + " data." + k, liveData.get(k), newData.get(k)));
                }
            }
            if (recordChanges.isEmpty()) {
                recordChanges.add(Change.of(recordRef.display() + " data.objects", ManifestRecord.objects(liveRecord).size()
                        + " objects", recordObjects.size() + " objects"));
            }
        }

        // 5. Result and plan.
        List<Change> changes = new ArrayList<>();
        List<Map<String, Object>> summaries = new ArrayList<>();
        int changedObjects = 0;
        for (Reconciler.ObjectPlan p : plans) {
            changes.addAll(p.changes());
            summaries.add(p.summary());
            if (p.changing()) {
                changedObjects++;
            }
        }
        changes.addAll(pruneChanges);
        changes.addAll(recordChanges);
        Map<String, Object> result = new LinkedHashMap<>();
        Map<String, Object> source = new LinkedHashMap<>();
        source.put(url != null ? "url" : "src", loaded.origin());
        source.put("sha256", loaded.sha256());
        if (loaded.cached() != null) {
            source.put("cache", loaded.cached().toString());
            source.put("downloaded", loaded.downloaded());
        }
        result.put("source", source);
        result.put("server_version", version.gitVersion());
        if (manifest.metallbVersion() != null) {
            result.put("metallb_version", manifest.metallbVersion());
        }
        result.put("objects", summaries);
        result.put("changed_objects", changedObjects);
        result.put("record", recordRef.display());
        if (!manifest.stripped().isEmpty()) {
            result.put("left_to_controllers", manifest.stripped());
        }
        if (!ignored.isEmpty()) {
            result.put("record_ignored", ignored);
        }
        if (!stale.isEmpty()) {
            List<String> names = stale.stream().map(ObjectRef::display).toList();
            result.put(prune ? "pruned" : "stale", names);
            if (!prune) {
                warnings.add(stale.size() + " object(s) left the manifest but still exist: " + String.join(", ", names)
                        + " (prune: true deletes them)");
            }
        }
        List<String> waitKinds = waitKinds(ctx);
        Duration waitTimeout = ctx.secondsArg("wait_timeout");
        Waits waits = new Waits(conn, ctx);
        if (changes.isEmpty()) {
            if (!waitKinds.isEmpty()) {
                waitAll(waits, plans, waitKinds, check ? Duration.ZERO : waitTimeout, check, warnings);
            }
            if (!warnings.isEmpty()) {
                result.put("warnings", warnings);
            }
            result.putAll(K8sSupport.clusterData(conn, before));
            return Plan.noChange(result, warnings.isEmpty() ? null : String.join("; ", warnings));
        }
        if (!warnings.isEmpty()) {
            result.put("warnings", warnings);
        }
        result.putAll(K8sSupport.clusterData(conn, before));
        String recordNamespace = recordNs;
        return new Plan(changes, result, warnings.isEmpty() ? null : String.join("; ", warnings), () -> {
            Map<String, Object> data = new LinkedHashMap<>();
            List<String> crdNames = new ArrayList<>();
            Set<String> crdGroupVersions = new LinkedHashSet<>();
            boolean crdsAwaited = true;
            for (Reconciler.ObjectPlan p : plans) {
                if (!p.changing()) {
                    continue;
                }
                boolean isCrd = CrdSchemas.isCrd(p.desired());
                if (!isCrd && !crdsAwaited) {
                    awaitCrds(conn, waits, crdNames, crdGroupVersions);
                    crdsAwaited = true;
                }
                ObjectRef ref = rec.applyPlanned(p, conn.defaultNamespace());
                if (isCrd) {
                    crdNames.add(ref.name());
                    for (Object v : Objects2.list(Objects2.at(p.desired(), "spec", "versions"))) {
                        crdGroupVersions.add(Objects2.at(p.desired(), "spec", "group") + "/" + Objects2.map(v).get("name"));
                    }
                    crdsAwaited = false;
                }
            }
            if (!crdsAwaited) {
                awaitCrds(conn, waits, crdNames, crdGroupVersions);
            }
            List<String> deleted = new ArrayList<>();
            for (Map.Entry<ObjectRef, ApiResource> e : toDelete) {
                if (rec.delete(e.getValue(), e.getKey(), false)) {
                    deleted.add(e.getKey().display());
                }
            }
            if (!recordChanges.isEmpty()) {
                // The record is edge's own object: forced, so that edge owns its data again after someone else wrote it.
                new Reconciler(conn, ctx, true, ctx.secondsArg("webhook_timeout")).apply(cmRes, recordRef, desiredRecord);
            }
            if (!deleted.isEmpty()) {
                data.put("pruned", deleted);
            }
            if (!waitKinds.isEmpty()) {
                waitAll(waits, plans, waitKinds, waitTimeout, false, new ArrayList<>());
            }
            if (rec.webhookRetries() > 0) {
                data.put("webhook_retries", rec.webhookRetries());
            }
            data.put("api_requests", conn.counter().since(before));
            data.put("record_namespace", recordNamespace);
            return data;
        });
    }

    private static void awaitCrds(KubeConnection conn, Waits waits, List<String> names, Set<String> groupVersions)
            throws ModuleException {
        for (String n : names) {
            waits.until("CRD " + n, CRD_TIMEOUT, () -> waits.crdNotEstablished(n));
        }
        groupVersions.forEach(gv -> conn.discovery().invalidate(gv));
    }

    private static List<String> waitKinds(TaskContext ctx) {
        if (!ctx.boolArg("wait")) {
            return List.of();
        }
        Object kinds = ctx.args().get("wait_for");
        if (kinds instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return Waits.WAITABLE;
    }

    private static void waitAll(Waits waits, List<Reconciler.ObjectPlan> plans, List<String> kinds, Duration timeout,
                                boolean checkOnly, List<String> warnings) throws ModuleException {
        for (Reconciler.ObjectPlan p : plans) {
            ObjectRef ref = p.ref();
            if (!kinds.contains(ref.kind()) || p.resource() == null && p.action() == Reconciler.Action.PENDING && checkOnly) {
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

    private static String recordName(TaskContext ctx, Manifest manifest, ManifestSource.Loaded loaded) {
        String n = ctx.stringArg("name", null);
        if (n != null && !n.isBlank()) {
            return n;
        }
        if (!manifest.namespaces().isEmpty()) {
            return manifest.namespaces().get(0);
        }
        String origin = loaded.origin();
        String base = origin.substring(origin.lastIndexOf('/') + 1);
        return base.replaceAll("\\.(ya?ml|json)$", "");
    }

    /**
     * What a prune may touch: only kinds (API group and kind) that the current manifest has, in
     * namespaces that the manifest's objects use or create; a cluster-scoped object only if the
     * manifest has cluster-scoped objects of that kind. The record itself is not trusted for more.
     */
    static final class PruneScope {
        private final Set<String> kinds = new HashSet<>();
        private final Set<String> clusterKinds = new HashSet<>();
        private final Set<String> namespaces = new HashSet<>();

        PruneScope(List<Reconciler.ObjectPlan> plans) {
            for (Reconciler.ObjectPlan p : plans) {
                ObjectRef ref = p.ref();
                String kind = ref.group() + "/" + ref.kind();
                kinds.add(kind);
                if (ref.namespace() == null) {
                    clusterKinds.add(kind);
                } else {
                    namespaces.add(ref.namespace());
                }
                if (ref.group().isEmpty() && "Namespace".equals(ref.kind())) {
                    namespaces.add(ref.name());
                }
            }
        }

        /** Why a record entry is out of bounds before any request, or null. */
        String outside(ObjectRef old) {
            if (!ObjectRef.pathSafe(old.name()) || old.namespace() != null && !ObjectRef.pathSafe(old.namespace())) {
                return "not a valid object name";
            }
            if (!kinds.contains(old.group() + "/" + old.kind())) {
                return "the manifest has no " + old.kind() + (old.group().isEmpty() ? "" : " of " + old.group());
            }
            return null;
        }

        /** Why a record entry is out of bounds given how the cluster serves its kind, or null. */
        String outside(ObjectRef old, ApiResource res) {
            String kind = old.group() + "/" + old.kind();
            if (!res.namespaced()) {
                if (old.namespace() != null) {
                    return "recorded with a namespace, but " + old.kind() + " is cluster-scoped";
                }
                return clusterKinds.contains(kind) ? null : "the manifest has no cluster-scoped " + old.kind();
            }
            if (old.namespace() == null || !namespaces.contains(old.namespace())) {
                return "namespace " + old.namespace() + " is not one the manifest uses";
            }
            return null;
        }
    }
}
