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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
public final class K8sManifestModule implements Module, SharedSystem, OverKubeApi {
    static final String NAME = "k8s_manifest";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> sharedSystem(TaskContext ctx) {
        return KubeTask.sharedSystem(ctx);
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
                    Manifest.parse(ManifestSource.origin(url, src, ctx.playbook().dir()), bytes.get());
                } catch (ModuleException e) {
                    out.add(ctx.problem(e.getMessage(), hasUrl ? "url" : "src"));
                }
            }
        }
        return out;
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        String url = ctx.stringArg("url");
        // 1. The bytes, verified, before any contact with the cluster.
        ManifestSource.Loaded loaded = ManifestSource.load(url, ctx.stringArg("src"), ctx.stringArg("sha256"), ctx.playbookDir(),
                ctx.secondsArg("download_timeout"));
        Manifest manifest = Manifest.parse(loaded.origin(), loaded.bytes());

        // 2. Compatibility of the cluster with this manifest, before any change.
        KubeConnection conn = KubeTask.connection(ctx);
        Map<String, Long> before = conn.counter().snapshot();
        ServerVersion version;
        try {
            version = conn.serverVersion();
        } catch (KubeException e) {
            throw KubeTask.error(e);
        }
        CrdSchemas crds = manifest.crdSchemas();
        List<String> warnings = new ArrayList<>(conn.warnings());
        Compatibility.gate(ctx, Compatibility.problems(version, crds, manifest.metallbVersion()), warnings);
        ClusterState state = ClusterState.of(conn);
        crds.crds().forEach(c -> state.fromManifests.add(c, loaded.origin()));

        // 3. Per object: a server-side dry run against the live object.
        Reconciler rec = new Reconciler(conn, ctx, ctx.boolArg("force"), ctx.secondsArg("webhook_timeout"));
        Set<String> newNamespaces = new HashSet<>();
        List<Reconciler.ObjectPlan> objects = planObjects(ctx, conn, rec, manifest, crds, newNamespaces);
        rec.saveConverged();
        String installed = objects.stream().map(p -> Manifest.metallbVersionOf(p.live())).filter(java.util.Objects::nonNull)
                .findFirst().orElse(null);
        if (installed != null && manifest.metallbVersion() != null && Manifest.compareVersions(installed, manifest.metallbVersion()) > 0
                && !ctx.boolArg("allow_downgrade")) {
            throw new ModuleException("this manifest would downgrade MetalLB from " + installed + " to " + manifest.metallbVersion()
                    + "; nothing was changed. MetalLB supports upgrades: CRDs and objects stored by the newer release are not"
                    + " guaranteed to work with the older one. Pin the installed version again (metallb_version and its sha256), or"
                    + " set allow_downgrade: true on this task to apply the older manifest anyway");
        }

        // 4. The record of what was applied, and pruning.
        String recordNs = ctx.stringArg("record_namespace");
        if (recordNs == null) {
            recordNs = manifest.namespaces().size() == 1 ? manifest.namespaces().get(0) : "default";
        }
        boolean prune = ctx.boolArg("prune");
        RecordPlan record = new RecordPlan(rec, recordName(ctx, manifest, loaded), recordNs, loaded, objects, newNamespaces, prune);
        warnings.addAll(record.warnings);
        ManifestPlan plan = new ManifestPlan(conn, ctx, rec, objects, record, waitKinds(ctx));

        // 5. What the task reports.
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
        if (installed != null) {
            result.put("metallb_version_installed", installed);
        }
        result.put("objects", plan.summaries());
        result.put("changed_objects", plan.changedObjects());
        result.put("record", record.recordRef.display());
        if (!manifest.stripped().isEmpty()) {
            result.put("left_to_controllers", manifest.stripped());
        }
        if (!record.ignored.isEmpty()) {
            result.put("record_ignored", record.ignored);
        }
        if (!record.stale.isEmpty()) {
            List<String> names = record.stale.stream().map(ObjectRef::display).toList();
            result.put(prune ? "pruned" : "stale", names);
            if (!prune) {
                warnings.add(record.stale.size() + " object(s) left the manifest but still exist: " + String.join(", ", names)
                        + " (prune: true deletes them)");
            }
        }
        List<Change> changes = plan.changes();
        if (changes.isEmpty()) {
            plan.awaitUnchanged(ctx.checkMode(), warnings);
        }
        if (!warnings.isEmpty()) {
            result.put("warnings", warnings);
        }
        result.putAll(KubeTask.clusterData(conn, before));
        String message = warnings.isEmpty() ? null : String.join("; ", warnings);
        return changes.isEmpty() ? Plan.noChange(result, message) : new Plan(changes, result, message, () -> plan.apply(before));
    }

    /**
     * Each document's plan, in apply order. An object whose CRD or namespace this apply creates cannot
     * be dry-run yet: it is planned as a creation that waits for it.
     */
    /** How many objects are compared with the cluster at once (a GET and a dry-run apply each). */
    static final int PLAN_CONCURRENCY = 6;

    private static List<Reconciler.ObjectPlan> planObjects(TaskContext ctx, KubeConnection conn, Reconciler rec, Manifest manifest,
                                                           CrdSchemas crds, Set<String> newNamespaces) throws ModuleException {
        boolean check = ctx.checkMode();
        // Namespaces first, one by one (which ones are new decides what waits for them); then every other object is compared
        // with the cluster concurrently: each is a GET and a dry-run apply, independent of the others.
        List<java.util.concurrent.Callable<Reconciler.ObjectPlan>> steps = new ArrayList<>();
        conn.discovery().prefetch(manifest.ordered().stream().map(d -> d.ref().apiVersion()).toList());
        for (Manifest.Doc doc : manifest.ordered()) {
            Map<String, Object> body = ObjectTree.deepCopy(doc.body());
            ObjectRef ref = doc.ref();
            Optional<ApiResource> res = rec.resource(ref);
            if (res.isEmpty()) {
                CrdSchemas.Entry def = crds.find(ref.apiVersion(), ref.kind()).orElseThrow(() -> new ModuleException(doc.at().format()
                        + ": " + ApiErrors.notServed(doc.ref(), "and the manifest does not define it (missing CRD?)")));
                Reconciler.ObjectPlan pending = Reconciler.pending(rec.normalize(body, def.resource(), conn.defaultNamespace()), body,
                        check ? "CRD not installed yet: would create" : "create (after its CRD)");
                steps.add(() -> pending);
                continue;
            }
            ObjectRef normalized = rec.normalize(body, res.get(), conn.defaultNamespace());
            if (normalized.namespace() != null && newNamespaces.contains(normalized.namespace())) {
                Reconciler.ObjectPlan pending = Reconciler.pending(normalized, body, check ? "namespace " + normalized.namespace()
                        + " not created yet: would create" : "create (after namespace " + normalized.namespace() + ")");
                steps.add(() -> pending);
                continue;
            }
            if ("Namespace".equals(normalized.kind())) {
                Reconciler.ObjectPlan p = rec.plan(res.get(), normalized, body, false);
                if (p.action() == Reconciler.Action.CREATE) {
                    newNamespaces.add(normalized.name());
                }
                steps.add(() -> p);
                continue;
            }
            steps.add(() -> rec.plan(res.get(), normalized, body, false));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(PLAN_CONCURRENCY, r -> {
            Thread t = new Thread(r, "edge-k8s-plan");
            t.setDaemon(true);
            return t;
        });
        try {
            List<java.util.concurrent.Future<Reconciler.ObjectPlan>> futures = new ArrayList<>();
            for (java.util.concurrent.Callable<Reconciler.ObjectPlan> step : steps) {
                futures.add(pool.submit(step));
            }
            List<Reconciler.ObjectPlan> plans = new ArrayList<>();
            for (java.util.concurrent.Future<Reconciler.ObjectPlan> f : futures) {
                plans.add(f.get()); // in manifest order; the first failure in that order is the one reported
            }
            return plans;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ModuleException m) {
                throw m;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModuleException("interrupted");
        } finally {
            pool.shutdownNow();
        }
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
