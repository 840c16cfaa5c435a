package edge.modules.k8s;

import edge.core.Location;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code k8s_resource}: one or more objects from inline (templated) YAML, present or absent.
 *
 * <p>Every object is validated before any request that could change something: against its CRD's
 * {@code openAPIV3Schema} (from a manifest applied in this run, else the cluster; at validate time
 * from the playbook's {@code k8s_manifest} files) and against MetalLB's own rules. Then each object
 * is compared with a server-side dry-run apply; only the objects that differ are applied (server-side
 * apply, field manager {@code edge}, strict field validation). edge owns these objects: by default
 * ({@code force: true}) a field someone else changed is put back.
 */
public final class K8sResourceModule implements Module, SharedSystem, OverKubeApi {
    static final String NAME = "k8s_resource";

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
        Object raw = ctx.rawArgs().get("definition");
        if (raw == null) {
            return out;
        }
        String host = ctx.hosts().isEmpty() ? null : ctx.hosts().get(0);
        Object definition = raw;
        boolean templated = true;
        if (host != null) {
            Optional<Object> r = ctx.render(raw, host);
            if (r.isPresent()) {
                definition = r.get();
                templated = false;
            }
        }
        List<Definitions.Def> defs;
        try {
            defs = Definitions.parse(definition, p -> ctx.at(prepend("definition", p)), ctx.task().sources().file(),
                    definition instanceof String ? blockIndent(ctx.at("definition")) : 0);
        } catch (ModuleException e) {
            if (!(definition instanceof String s && (s.contains("{{") || s.contains("{%")))) {
                out.add(ctx.problem(e.getMessage(), "definition"));
            }
            return out;
        }
        CrdSchemas schemas = null;
        boolean absent = "absent".equals(ctx.rawArgs().get("state"));
        for (Definitions.Def d : defs) {
            Map<String, Object> obj = d.body();
            Object apiVersion = obj.get("apiVersion");
            Object kind = obj.get("kind");
            if (!(apiVersion instanceof String) || !(kind instanceof String) || !(ObjectTree.at(obj, "metadata", "name") != null)) {
                out.add(problem(d, List.of(), "a Kubernetes object needs apiVersion, kind and metadata.name"));
                continue;
            }
            if (absent) {
                continue;
            }
            List<Violation> violations = new ArrayList<>(MetalLbRules.check(obj, templated));
            String group = ((String) apiVersion).contains("/") ? ((String) apiVersion).substring(0, ((String) apiVersion).indexOf('/')) : "";
            if (!ClusterState.isBuiltInGroup(group)) {
                if (schemas == null) {
                    schemas = PlaybookManifests.crdSchemas(ctx);
                }
                Optional<CrdSchemas.Entry> entry = schemas.find((String) apiVersion, (String) kind);
                if (entry.isPresent()) {
                    violations.addAll(0, StructuralValidator.validate(entry.get().schema(), obj, templated));
                } else {
                    List<String> versions = schemas.versionsOf(group, (String) kind);
                    if (!versions.isEmpty()) {
                        violations.add(0, new Violation(List.of("apiVersion"), apiVersion + " is not served by the "
                                + kind + " CRD of the playbook's manifest (served: " + versions.stream().map(v -> group + "/" + v).toList() + ")"));
                    }
                }
            }
            for (Violation v : violations) {
                out.add(problem(d, v.path(), v.message() + " (" + kind + " " + ObjectTree.at(obj, "metadata", "name") + ")"));
            }
            if ("BGPAdvertisement".equals(kind) && ObjectTree.at(obj, "spec", "localPref") != null && host != null) {
                List<String> peers = ebgpOnlyPeers(ctx, host);
                if (!peers.isEmpty()) {
                    ctx.warn(problem(d, List.of("spec", "localPref"), "localPref " + ObjectTree.at(obj, "spec", "localPref")
                            + " has no effect here: MetalLB sends LOCAL_PREF to iBGP peers only, and every BGPPeer of this play is"
                            + " eBGP (" + String.join(", ", peers) + "), so the firewalls never see it (harmless; remove it to"
                            + " say so)"));
                }
            }
        }
        return out;
    }

    /**
     * The play's BGPPeers as "name (myASN -> peerASN)" when every one of them is an eBGP peer (the ASNs
     * differ), rendered with what is known before the run; empty when there is none, one is iBGP, or
     * one cannot be rendered yet.
     */
    private static List<String> ebgpOnlyPeers(ValidationContext ctx, String host) {
        List<String> peers = new ArrayList<>();
        for (edge.playbook.Task t : ctx.play().tasks()) {
            if (!"k8s_resource".equals(t.module()) || !(t.args() instanceof Map<?, ?> args)) {
                continue;
            }
            try {
                List<Map<String, Object>> bindings = t.loop() == null ? List.of(Map.of())
                        : edge.playbook.LoopItems.bindings(t, t.loop() instanceof String l ? ctx.renderOrThrow(l, host, Map.of())
                                : ctx.renderOrThrow(t.loop(), host, Map.of()));
                for (Map<String, Object> binding : bindings) {
                    for (Map<String, Object> o : Definitions.objects(ctx.renderOrThrow(args.get("definition"), host, binding))) {
                        if (!"BGPPeer".equals(o.get("kind"))) {
                            continue;
                        }
                        Object my = ObjectTree.at(o, "spec", "myASN");
                        Object peer = ObjectTree.at(o, "spec", "peerASN");
                        if (my == null || String.valueOf(my).equals(String.valueOf(peer))) {
                            return List.of();
                        }
                        peers.add(ObjectTree.at(o, "metadata", "name") + " (" + my + " -> " + peer + ")");
                    }
                }
            } catch (edge.template.TemplateException | edge.playbook.LoopItems.NotAList | ModuleException | RuntimeException e) {
                return List.of();
            }
        }
        return peers;
    }

    /** The indentation of the line after {@code at} (the first line of a block scalar), or 0. */
    private static int blockIndent(Location at) {
        try {
            List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of(at.file()));
            if (at.line() > 0 && at.line() < lines.size()) {
                String next = lines.get(at.line());
                return next.length() - next.stripLeading().length();
            }
        } catch (java.io.IOException | RuntimeException e) {
            // columns inside the text stay relative
        }
        return 0;
    }

    private static Problem problem(Definitions.Def d, List<Object> path, String message) {
        Location at = d.locate().apply(path);
        String key = path.isEmpty() ? "definition" : new Violation(path, "").pathText();
        return Problem.at(at, key, message);
    }

    private static Object[] prepend(Object first, List<Object> rest) {
        Object[] a = new Object[rest.size() + 1];
        a[0] = first;
        for (int i = 0; i < rest.size(); i++) {
            a[i + 1] = rest.get(i);
        }
        return a;
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        List<Map<String, Object>> objects = Definitions.objects(ctx.args().get("definition"));
        boolean absent = "absent".equals(ctx.stringArg("state"));
        KubeConnection conn = KubeTask.connection(ctx);
        Map<String, Long> before = conn.counter().snapshot();
        ClusterState state = ClusterState.of(conn);
        Reconciler rec = new Reconciler(conn, ctx, ctx.boolArg("force"), ctx.secondsArg("webhook_timeout"));
        String defaultNs = ctx.stringArg("namespace", conn.defaultNamespace());
        boolean check = ctx.checkMode();
        List<String> warnings = new ArrayList<>(conn.warnings());

        // 1. Resolve and validate every object before any request that could change something.
        List<ApiResource> resources = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        List<String> incompatible = new ArrayList<>();
        ServerVersion version = null;
        for (Map<String, Object> obj : objects) {
            ObjectRef ref = ObjectRef.of(obj);
            if (ref.apiVersion() == null || ref.kind() == null || ref.name() == null) {
                throw new ModuleException("a Kubernetes object needs apiVersion, kind and metadata.name: " + obj);
            }
            ApiResource res = rec.resource(ref).orElse(null);
            resources.add(res);
            if (absent) {
                continue;
            }
            Optional<CrdSchemas.Entry> schema = state.schema(conn, ref, res);
            if (ctx.boolArg("validate")) {
                List<Violation> vs = new ArrayList<>();
                schema.ifPresent(e -> vs.addAll(StructuralValidator.validate(e.schema(), obj, false)));
                vs.addAll(MetalLbRules.check(obj, false));
                vs.forEach(v -> invalid.add(ref.display() + " " + v.format()));
            }
            if (schema.isPresent()) {
                if (version == null) {
                    try {
                        version = conn.serverVersion();
                    } catch (KubeException e) {
                        throw KubeTask.error(e);
                    }
                }
                incompatible.addAll(Compatibility.problems(version, new CrdSchemas().add(schema.get().crd(), "crd"), null));
            } else if (res == null) {
                // Not served, and no manifest of this run defines this apiVersion: even --check cannot plan it.
                List<String> versions = state.fromManifests.versionsOf(ref.group(), ref.kind());
                throw new ModuleException(ApiErrors.notServed(ref, versions.isEmpty() ? "is its CRD installed? apply the manifest first"
                        : "the manifest's CRD serves " + versions));
            }
        }
        if (!invalid.isEmpty()) {
            throw new ModuleException("invalid definition (nothing was sent): " + String.join("; ", invalid));
        }
        Compatibility.gate(ctx, incompatible, warnings);

        // 2. Per object: what would change.
        List<Reconciler.ObjectPlan> plans = new ArrayList<>();
        List<Change> changes = new ArrayList<>();
        List<Map<String, Object>> summaries = new ArrayList<>();
        List<Map.Entry<ObjectRef, ApiResource>> deletes = new ArrayList<>();
        for (int i = 0; i < objects.size(); i++) {
            Map<String, Object> obj = objects.get(i);
            ApiResource res = resources.get(i);
            if (absent) {
                if (res == null) {
                    Map<String, Object> s = new LinkedHashMap<>(ObjectRef.of(obj).toMap());
                    s.put("action", "absent (kind not served)");
                    summaries.add(s);
                    continue;
                }
                ObjectRef ref = rec.normalize(obj, res, defaultNs);
                Map<String, Object> s = new LinkedHashMap<>(ref.toMap());
                if (rec.get(res, ref) != null) {
                    changes.add(Change.delete(ref.display(), "delete"));
                    deletes.add(Map.entry(ref, res));
                    s.put("action", "delete");
                } else {
                    s.put("action", "absent");
                }
                summaries.add(s);
                continue;
            }
            Reconciler.ObjectPlan p;
            if (res == null) {
                ObjectRef wanted = ObjectRef.of(obj);
                CrdSchemas.Entry e = state.fromManifests.find(wanted.apiVersion(), wanted.kind()).orElseThrow(() -> new ModuleException(
                        ApiErrors.notServed(wanted, "the manifest's CRD serves " + state.fromManifests.versionsOf(wanted.group(), wanted.kind()))));
                ObjectRef ref = rec.normalize(obj, e.resource(), defaultNs);
                p = Reconciler.pending(ref, obj, "CRD not installed yet: would create");
            } else {
                ObjectRef ref = rec.normalize(obj, res, defaultNs);
                p = rec.plan(res, ref, obj, true);
            }
            plans.add(p);
            changes.addAll(p.changes());
            summaries.add(p.summary());
        }
        rec.saveConverged();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("objects", summaries);
        if (!warnings.isEmpty()) {
            result.put("warnings", warnings);
        }
        if (rec.webhookRetries() > 0) {
            result.put("webhook_retries", rec.webhookRetries());
        }
        result.putAll(KubeTask.clusterData(conn, before));
        String message = warnings.isEmpty() ? null : String.join("; ", warnings);
        if (changes.isEmpty()) {
            return Plan.noChange(result, message);
        }
        return new Plan(changes, result, message, () -> {
            Map<String, Object> data = new LinkedHashMap<>();
            List<String> applied = new ArrayList<>();
            for (Reconciler.ObjectPlan p : plans) {
                if (!p.changing()) {
                    continue;
                }
                applied.add(rec.applyPlanned(p, defaultNs).display());
            }
            List<String> deleted = new ArrayList<>();
            for (Map.Entry<ObjectRef, ApiResource> d : deletes) {
                if (rec.delete(d.getValue(), d.getKey(), false)) {
                    deleted.add(d.getKey().display());
                }
            }
            if (!applied.isEmpty()) {
                data.put("applied", applied);
            }
            if (!deleted.isEmpty()) {
                data.put("deleted", deleted);
            }
            if (rec.webhookRetries() > 0) {
                data.put("webhook_retries", rec.webhookRetries());
                data.put("webhook_last_error", rec.lastRetryReason());
            }
            data.put("api_requests", conn.counter().since(before));
            return data;
        });
    }
}
