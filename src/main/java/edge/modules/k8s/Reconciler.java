package edge.modules.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import edge.module.Change;
import edge.module.ModuleException;
import edge.module.TaskContext;
import edge.module.UnreachableException;
import edge.transport.k8s.ApiResource;
import edge.transport.k8s.KubeConnection;
import edge.transport.k8s.KubeException;
import edge.transport.k8s.KubeResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Server-side apply of single objects with field manager {@code edge} and
 * {@code fieldValidation=Strict}, and the per-object decision changed/ok: the live object is compared
 * with what a server-side dry-run apply of the desired object returns ({@link ObjectDiff}), so only
 * fields that edge's apply would really change count, with the server's defaulting, list merging and
 * ownership rules. Writes that fail because a webhook is not serving yet are retried with backoff up
 * to a timeout; a webhook's denial is never retried.
 */
final class Reconciler {
    static final String FIELD_MANAGER = "edge";
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Action { NONE, CREATE, UPDATE, PENDING }

    /**
     * What applying one object would do. {@code live} is null when the object does not exist;
     * {@code takeOver} means the apply must be forced to take over fields another manager owns with the
     * same values (see {@link FieldConflicts}).
     */
    record ObjectPlan(ObjectRef ref, ApiResource resource, Map<String, Object> desired, Action action, List<Change> changes,
                      Map<String, Object> live, String note, boolean takeOver) {
        ObjectPlan(ObjectRef ref, ApiResource resource, Map<String, Object> desired, Action action, List<Change> changes,
                   Map<String, Object> live, String note) {
            this(ref, resource, desired, action, changes, live, note, false);
        }

        boolean changing() {
            return action != Action.NONE;
        }

        Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>(ref.toMap());
            m.put("action", switch (action) {
                case NONE -> "unchanged";
                case CREATE -> "create";
                case UPDATE -> "update";
                case PENDING -> "create (pending)";
            });
            if (note != null) {
                m.put("note", note);
            }
            return m;
        }
    }

    private final KubeConnection conn;
    private final TaskContext ctx;
    private final boolean force;
    private final Duration webhookTimeout;
    private final java.util.concurrent.atomic.AtomicInteger webhookRetries = new java.util.concurrent.atomic.AtomicInteger();
    private volatile String lastRetryReason;

    Reconciler(KubeConnection conn, TaskContext ctx, boolean force, Duration webhookTimeout) {
        this.conn = conn;
        this.ctx = ctx;
        this.force = force;
        this.webhookTimeout = webhookTimeout;
    }

    int webhookRetries() {
        return webhookRetries.get();
    }

    String lastRetryReason() {
        return lastRetryReason;
    }

    /** The served resource for the object's apiVersion and kind, or empty (CRD not installed, group-version not served). */
    Optional<ApiResource> resource(ObjectRef ref) throws ModuleException {
        try {
            return conn.discovery().find(ref.apiVersion(), ref.kind());
        } catch (KubeException e) {
            throw KubeTask.error(e);
        }
    }

    /** Sets (namespaced kinds) or removes (cluster-scoped kinds) {@code metadata.namespace}; returns the final name. */
    ObjectRef normalize(Map<String, Object> desired, ApiResource res, String defaultNamespace) {
        @SuppressWarnings("unchecked")
        Map<String, Object> md = (Map<String, Object>) desired.computeIfAbsent("metadata", k -> new LinkedHashMap<>());
        if (res.namespaced()) {
            if (md.get("namespace") == null || String.valueOf(md.get("namespace")).isBlank()) {
                md.put("namespace", defaultNamespace);
            }
        } else {
            md.remove("namespace");
        }
        return ObjectRef.of(desired);
    }

    /** The object's API path; refuses names and namespaces that are not a single path segment. */
    static String path(ApiResource res, ObjectRef ref) throws ModuleException {
        if (!ObjectRef.pathSafe(ref.name()) || res.namespaced() && !ObjectRef.pathSafe(ref.namespace())) {
            throw new ModuleException(ref.display() + ": not a valid object " + (ObjectRef.pathSafe(ref.name()) ? "namespace" : "name")
                    + " (it must not be empty, . or .., nor contain / % ? # \\ or whitespace)");
        }
        return res.path(ref.namespace(), ref.name());
    }

    /** The live object, or null when it does not exist. */
    Map<String, Object> get(ApiResource res, ObjectRef ref) throws ModuleException {
        KubeResponse r = call("GET", path(res, ref), Map.of(), null);
        if (r.code() == 404) {
            return null;
        }
        if (!r.ok()) {
            throw new ModuleException(ApiErrors.describe(ref, "read", r));
        }
        return r.json();
    }

    /**
     * Compares the live object with a server-side dry run of the desired one. Without {@code force}, a
     * conflict over fields whose values would not change (a site applied by hand with kubectl) is taken
     * over; one that would change a value another manager set is an error that names it.
     */
    ObjectPlan plan(ApiResource res, ObjectRef ref, Map<String, Object> desired, boolean detailedCreate) throws ModuleException {
        Map<String, Object> live = get(res, ref);
        ConvergedObjects converged = live == null || carriesSecret(desired) ? null : converged();
        byte[] request = converged == null ? null : requestIdentity(ref, desired);
        if (converged != null && (ConvergedObjects.nothingToApply(desired, live) || converged.known(ref, request, live))) {
            return new ObjectPlan(ref, res, desired, Action.NONE, List.of(), live, null);
        }
        KubeResponse dry = applyCall(res, ref, desired, true, force);
        List<Change> takeOver = List.of();
        if (!dry.ok() && !force && live != null && FieldConflicts.isApplyConflict(dry)) {
            FieldConflicts conflicts = FieldConflicts.of(dry);
            KubeResponse forced = applyCall(res, ref, desired, true, true);
            if (forced.ok() && !conflicts.conflicts().isEmpty()) {
                List<FieldConflicts.Conflict> real = conflicts.changingValues(live, forced.json());
                if (!real.isEmpty()) {
                    throw new ModuleException(realConflicts(ref, real, live, forced.json()));
                }
                dry = forced;
                takeOver = List.of(new Change(Change.Action.UPDATE, ref.display() + " field managers", null, null, false,
                        "take over " + conflicts.conflicts().size() + " field(s) from " + String.join(", ", conflicts.managers())
                                + " (same values; only the owner changes to \"" + FIELD_MANAGER + "\")"));
            }
        }
        if (!dry.ok()) {
            if (ctx.checkMode() && dry.code() == 404 && ref.namespace() != null
                    && dry.message().contains("namespaces \"" + ref.namespace() + "\" not found")) {
                String note = "namespace " + ref.namespace() + " not created yet: would create";
                return new ObjectPlan(ref, res, desired, Action.PENDING, List.of(Change.create(ref.display(), note)), null, note);
            }
            throw new ModuleException(ApiErrors.describe(ref, "server-side dry-run apply", dry));
        }
        Map<String, Object> merged = dry.json();
        if (live == null) {
            return new ObjectPlan(ref, res, desired, Action.CREATE, ObjectDiff.created(ref, desired, detailedCreate, "created"),
                    null, null);
        }
        List<Change> changes = new java.util.ArrayList<>(ObjectDiff.diff(ref, live, merged));
        changes.addAll(takeOver);
        if (changes.isEmpty() && converged != null) {
            converged.remember(ref, request, live);
        }
        return new ObjectPlan(ref, res, desired, changes.isEmpty() ? Action.NONE : Action.UPDATE, changes, live, null,
                !takeOver.isEmpty());
    }

    /** A conflict that a takeover would resolve by changing values: which field, whose, from what to what, and the way out. */
    private static String realConflicts(ObjectRef ref, List<FieldConflicts.Conflict> real, Map<String, Object> live,
                                        Map<String, Object> forced) {
        List<String> fields = new java.util.ArrayList<>();
        for (FieldConflicts.Conflict c : real) {
            fields.add(c.field() + " (conflict with \"" + c.manager() + "\", which set " + show(FieldConflicts.valueAt(live, c.field()))
                    + "; edge's value: " + show(FieldConflicts.valueAt(forced, c.field())) + ")");
        }
        return ref.display() + ": another field manager set " + (real.size() == 1 ? "a field" : real.size() + " fields")
                + " that edge declares to other values: " + String.join("; ", fields) + ". Nothing was changed; set force: true"
                + " on this task to take them over with edge's values, or change the playbook to the values in the cluster";
    }

    private static String show(java.util.Optional<Object> v) {
        return v.map(edge.core.Json::compact).orElse("(not set)");
    }

    /** A planned creation that could not be dry-run yet (its CRD or namespace comes earlier in the same apply). */
    static ObjectPlan pending(ObjectRef ref, Map<String, Object> desired, String note) {
        return new ObjectPlan(ref, null, desired, Action.PENDING, List.of(Change.create(ref.display(), note)), null, note);
    }

    /**
     * Applies a planned object: one whose CRD or namespace was created earlier in the same apply is
     * resolved now; a takeover is forced. Returns the object's final reference.
     */
    ObjectRef applyPlanned(ObjectPlan p, String defaultNamespace) throws ModuleException {
        ApiResource res = p.resource();
        ObjectRef ref = p.ref();
        if (res == null || p.action() == Action.PENDING) {
            res = resource(ref).orElseThrow(() -> new ModuleException(ApiErrors.notServed(p.ref(), "after its CRD was applied")));
            ref = normalize(p.desired(), res, defaultNamespace);
        }
        KubeResponse r = applyCall(res, ref, p.desired(), false, force || p.takeOver());
        if (!r.ok()) {
            throw new ModuleException(ApiErrors.describe(ref, "server-side apply", r));
        }
        return ref;
    }

    /** Server-side apply for real; returns the object as stored. */
    Map<String, Object> apply(ApiResource res, ObjectRef ref, Map<String, Object> desired) throws ModuleException {
        KubeResponse r = applyCall(res, ref, desired, false, force);
        if (!r.ok()) {
            throw new ModuleException(ApiErrors.describe(ref, "server-side apply", r));
        }
        return r.json();
    }

    /** Deletes (background propagation); false when it was already gone. */
    boolean delete(ApiResource res, ObjectRef ref, boolean dryRun) throws ModuleException {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("propagationPolicy", "Background");
        if (dryRun) {
            q.put("dryRun", "All");
        }
        String path = path(res, ref);
        KubeResponse r = withWebhookRetries(ref, () -> call("DELETE", path, q, null));
        if (r.code() == 404) {
            return false;
        }
        if (!r.ok()) {
            throw new ModuleException(ApiErrors.describe(ref, "delete", r));
        }
        return true;
    }

    /**
     * The run's memory of converged objects on this cluster, or null when the shortcut is off or the
     * server version cannot be read (then every object is dry-run).
     */
    private ConvergedObjects converged() {
        if (!ConvergedObjects.enabled()) {
            return null;
        }
        try {
            String version = conn.serverVersion().gitVersion();
            return conn.attribute(ConvergedObjects.class.getName(), () -> ConvergedObjects.load(conn.server(), version));
        } catch (KubeException e) {
            return null;
        }
    }

    /** Writes what this task's dry runs found converged (for the next run); a no-op when nothing new was learned. */
    void saveConverged() {
        ConvergedObjects c = conn.attribute(ConvergedObjects.class.getName(), () -> null); // null: none was loaded
        if (c != null) {
            c.save();
        }
    }

    /** What decides a dry run's outcome on edge's side: the apply's parameters and body. */
    private byte[] requestIdentity(ObjectRef ref, Map<String, Object> desired) throws ModuleException {
        try {
            byte[] body = JSON.writeValueAsBytes(KubeTask.plain(desired));
            byte[] head = ("fieldManager=" + FIELD_MANAGER + "&fieldValidation=Strict&force=" + force + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, all, head.length, body.length);
            return all;
        } catch (JsonProcessingException e) {
            throw new ModuleException(ref.display() + ": cannot serialize: " + e.getOriginalMessage());
        }
    }

    /** Objects that carry a secret are always dry-run: not even a hash of their body is kept on disk. */
    static boolean carriesSecret(Object o) {
        if (o instanceof edge.core.Secret) {
            return true;
        }
        if (o instanceof Map<?, ?> m) {
            return m.values().stream().anyMatch(Reconciler::carriesSecret);
        }
        if (o instanceof List<?> l) {
            return l.stream().anyMatch(Reconciler::carriesSecret);
        }
        return false;
    }

    private KubeResponse applyCall(ApiResource res, ObjectRef ref, Map<String, Object> desired, boolean dryRun, boolean forced)
            throws ModuleException {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("fieldManager", FIELD_MANAGER);
        q.put("fieldValidation", "Strict");
        if (forced) {
            q.put("force", "true");
        }
        if (dryRun) {
            q.put("dryRun", "All");
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(KubeTask.plain(desired));
        } catch (JsonProcessingException e) {
            throw new ModuleException(ref.display() + ": cannot serialize: " + e.getOriginalMessage());
        }
        String path = path(res, ref);
        return withWebhookRetries(ref, () -> call("PATCH", path, q, body));
    }

    interface Request {
        KubeResponse send() throws ModuleException;
    }

    /**
     * Sends, and while the answer says a webhook could not be called (or the server throttles), waits
     * 1, 2, 4, 8, 10, 10... seconds and sends again, up to the webhook timeout.
     */
    KubeResponse withWebhookRetries(ObjectRef ref, Request request) throws ModuleException {
        long deadline = System.nanoTime() + webhookTimeout.toNanos();
        long delayMs = 1000;
        while (true) {
            KubeResponse r = request.send();
            boolean retriable = ApiErrors.webhookUnavailable(r) || ApiErrors.throttled(r);
            if (!retriable) {
                return r;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new ModuleException(ref.display() + ": the webhook did not answer within " + webhookTimeout.toSeconds()
                        + "s (webhook_timeout): " + r.message() + " (check that MetalLB's controller Deployment is Available"
                        + " and its webhook Service has ready endpoints)");
            }
            webhookRetries.incrementAndGet();
            lastRetryReason = r.message();
            long sleep = Math.min(delayMs, Math.max(1, left / 1_000_000));
            ctx.log(ref.display() + ": " + (ApiErrors.throttled(r) ? "throttled" : "webhook not ready") + " (HTTP " + r.code()
                    + ": " + r.message() + "); retrying in " + sleep + " ms");
            ctx.sleep(Duration.ofMillis(sleep));
            delayMs = Math.min(delayMs * 2, 10_000);
        }
    }

    private KubeResponse call(String method, String path, Map<String, String> query, byte[] body) throws ModuleException {
        try {
            return conn.request(method, path, query, body, body == null ? null : KubeConnection.APPLY_PATCH);
        } catch (KubeException e) {
            throw KubeTask.error(e);
        }
    }

    static UnreachableException unreachable(String message) {
        return new UnreachableException(message);
    }
}
