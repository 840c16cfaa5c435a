package edge.engine;

import edge.core.Location;
import edge.core.Problem;
import edge.core.Redactor;
import edge.playbook.Task;
import edge.schema.SchemaValidator;
import edge.template.TemplateException;
import edge.template.Templater;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one task on one host: {@code when}, {@code loop}, argument templating and validation, then the
 * module's plan, and the plan's action unless in check mode; {@code retries/until}, {@code changed_when},
 * {@code failed_when}, {@code ignore_errors}. Every failure becomes a result (never an exception), and
 * every message names the task and where it is written.
 */
final class TaskExecutor {
    private static final Logger LOG = Logger.getLogger(TaskExecutor.class.getName());

    /** Builds the host's scope with the task's own vars. */
    interface ScopeFactory {
        Scope scope(Task task);
    }

    private final ModuleRegistry modules;
    private final RunOptions options;
    private final RunListener listener;
    private final Redactor redactor;
    private final RunResources resources;
    private final Templater templater;
    private final Path playbookDir;
    private final Transactions transactions;

    TaskExecutor(ModuleRegistry modules, RunOptions options, RunListener listener, Redactor redactor,
                 RunResources resources, Templater templater, Path playbookDir, Transactions transactions) {
        this.modules = modules;
        this.options = options;
        this.listener = listener;
        this.redactor = redactor;
        this.resources = resources;
        this.templater = templater;
        this.playbookDir = playbookDir;
        this.transactions = transactions;
    }

    TaskResult execute(HostState host, Task task, ScopeFactory scopes, Map<String, Future<TaskResult>> sharedClaims) {
        TaskResult r = executeUnlessIgnored(host, task, scopes, sharedClaims);
        if (r.status() == Status.FAILED && task.ignoreErrors()) {
            return new TaskResult(r.status(), r.changed(), true, r.message(), r.data(), r.changes(), r.diff(), r.duration(),
                    r.itemLabel(), r.items(), r.sharedWith());
        }
        return r;
    }

    private TaskResult executeUnlessIgnored(HostState host, Task task, ScopeFactory scopes,
                                            Map<String, Future<TaskResult>> sharedClaims) {
        long start = System.nanoTime();
        try {
            Scope scope = scopes.scope(task);
            if (task.loop() == null) {
                if (!conditionHolds(task.when(), scope)) {
                    return skipped(start, null);
                }
                return once(host, task, scope, null, sharedClaims, start);
            }
            Object items = task.loop() instanceof String s ? templater.renderString(s, scope) : templater.render(task.loop(), scope);
            if (!(items instanceof List<?> loopList)) {
                return failure(task, "loop must evaluate to a list, got " + typeName(items), start);
            }
            List<?> list = task.flattenLoop() ? flattenOnce(loopList) : loopList;
            if (list.isEmpty()) {
                return skipped(start, null);
            }
            List<TaskResult> results = new ArrayList<>();
            int index = 0;
            for (Object item : list) {
                Map<String, Object> loopVars = new LinkedHashMap<>();
                loopVars.put(task.loopVar(), item);
                loopVars.put("ansible_loop", Map.of("index", index + 1, "index0", index, "first", index == 0,
                        "last", index == list.size() - 1, "length", list.size()));
                Scope itemScope = scope.with(loopVars);
                String label = label(task, itemScope, item);
                long itemStart = System.nanoTime();
                TaskResult r;
                if (!conditionHolds(task.when(), itemScope)) {
                    r = skipped(itemStart, label);
                } else {
                    r = once(host, task, itemScope, label, sharedClaims, itemStart);
                }
                // As in Ansible, each item's result carries the item, so register.results[].item works.
                Map<String, Object> withItem = new LinkedHashMap<>(r.data());
                withItem.put(task.loopVar(), item);
                withItem.put("ansible_loop_var", task.loopVar());
                r = new TaskResult(r.status(), r.changed(), r.ignored(), r.message(), withItem, r.changes(), r.diff(),
                        r.duration(), r.itemLabel(), r.items(), r.sharedWith());
                results.add(r);
                if (r.status() == Status.UNREACHABLE) {
                    break;
                }
                index++;
            }
            return aggregate(results, start);
        } catch (TemplateException | Templater.TemplateVarException e) {
            return failure(task, e.getMessage(), start);
        }
    }

    /** with_items flattens one level: [[1, 2], [3]] gives three items. */
    private static List<Object> flattenOnce(List<?> list) {
        List<Object> out = new ArrayList<>();
        for (Object o : list) {
            if (o instanceof List<?> inner) {
                out.addAll(inner);
            } else {
                out.add(o);
            }
        }
        return out;
    }

    private TaskResult once(HostState host, Task task, Scope scope, String label,
                            Map<String, Future<TaskResult>> sharedClaims, long start) throws TemplateException {
        Module module = modules.find(task.module()).orElseThrow();
        Object renderedArgs = templater.render(task.args(), scope);
        @SuppressWarnings("unchecked")
        Map<String, Object> args = renderedArgs instanceof Map<?, ?> ? (Map<String, Object>) renderedArgs : Map.of();
        SchemaValidator schema = SchemaValidator.forResource(module.schema());
        List<Problem> invalid = schema.validate(args, task.sources(), task.pointer() + "/" + escape(task.module()), false);
        if (!invalid.isEmpty()) {
            Problem p = invalid.get(0);
            return withLabel(failure(task, "invalid argument after templating: " + (p.key().isEmpty() ? "" : p.key() + ": ")
                    + p.message(), start), label);
        }
        registerSecrets(args, schema.schemaNode(), false);
        Ctx ctx = new Ctx(host.name, args, scope, task);
        java.util.Optional<String> shared;
        try {
            shared = module.sharedSystem(ctx);
        } catch (Templater.TemplateVarException e) {
            return withLabel(failure(task, e.getMessage(), start), label);
        }
        if (shared.isEmpty()) {
            return withLabel(runWithRetries(module, task, ctx, scope, start), label);
        }
        String claimKey = shared.get() + "|" + Json.compact(args) + "|" + label;
        CompletableFuture<TaskResult> mine = new CompletableFuture<>();
        Future<TaskResult> existing = sharedClaims.putIfAbsent(claimKey, mine);
        if (existing != null) {
            return sharedResult(existing, host.name, start);
        }
        // The other hosts of this system wait for this result: whatever happens here, they must get one.
        TaskResult result = null;
        try {
            result = withLabel(runWithRetries(module, task, ctx, scope, start), label);
        } catch (TemplateException | Templater.TemplateVarException e) {
            result = withLabel(failure(task, e.getMessage(), start), label);
        } finally {
            mine.complete(result != null ? result : withLabel(new TaskResult(Status.FAILED, false, false,
                    "internal error on the host that ran it (this is a bug in edge; -v or --log-file show the details)",
                    Map.of(), List.of(), "", elapsed(start), null, List.of(), null), label));
        }
        return result;
    }

    private TaskResult sharedResult(Future<TaskResult> owner, String host, long start) {
        try {
            TaskResult r = owner.get();
            if (r.status() == Status.FAILED || r.status() == Status.UNREACHABLE) {
                // The shared system is in the same state for every host: they all stop here, as the owner did
                // (unreachable stays unreachable: the API server is the same one).
                return new TaskResult(r.status(), false, false, (r.status() == Status.UNREACHABLE ? "" : "the same task failed on the"
                        + " shared system from another host: ") + r.message(), r.data(), List.of(), "", elapsed(start), r.itemLabel(),
                        List.of(), null);
            }
            // Reported as skipped-with-reason: the shared system was handled on another host.
            return new TaskResult(Status.SKIPPED, false, false, "handled once for the shared system on another host",
                    r.data(), List.of(), "", elapsed(start), r.itemLabel(), List.of(), "shared");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new TaskResult(Status.FAILED, false, false, "interrupted", Map.of(), List.of(), "", elapsed(start), null, List.of(), null);
        } catch (ExecutionException e) {
            return new TaskResult(Status.FAILED, false, false, "shared task failed", Map.of(), List.of(), "", elapsed(start), null, List.of(), null);
        }
    }

    private TaskResult runWithRetries(Module module, Task task, Ctx ctx, Scope scope, long start) throws TemplateException {
        // As ansible-core: the first run plus `retries` retries (default 3).
        int attempts = task.until() != null ? Math.max(1, (task.retries() == null ? 3 : task.retries()) + 1) : 1;
        Object delayValue = task.delay() instanceof String s ? templater.renderString(s, scope) : task.delay();
        Double delaySeconds = seconds(delayValue);
        if (delaySeconds == null) {
            return failure(task, "delay must be a number of seconds, not '" + delayValue + "'", start);
        }
        Duration delay = Duration.ofMillis((long) (delaySeconds * 1000));
        TaskResult result = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            result = attemptOnce(module, task, ctx, scope, start);
            if (task.until() == null || result.status() == Status.UNREACHABLE) {
                break;
            }
            Scope withResult = scope.with(registerBinding(task, result));
            if (conditionHolds(task.until(), withResult)) {
                break;
            }
            if (attempt < attempts) {
                listener.verbose(ctx.host(), "FAILED - RETRYING: " + task.displayName() + " (" + (attempts - attempt) + " retries left)");
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return failure(task, "interrupted", start);
                }
            } else {
                Map<String, Object> data = new LinkedHashMap<>(result.data());
                data.put("attempts", attempts);
                return new TaskResult(Status.FAILED, result.changed(), false,
                        "gave up after " + attempts + " attempts: until condition '" + task.until() + "' never held"
                                + (result.message() == null ? "" : " (last: " + result.message() + ")"),
                        data, result.changes(), result.diff(), elapsed(start), null, List.of(), null);
            }
        }
        return result;
    }

    private TaskResult attemptOnce(Module module, Task task, Ctx ctx, Scope scope, long start) throws TemplateException {
        Plan plan;
        Map<String, Object> data;
        try {
            plan = module.plan(ctx);
            data = new LinkedHashMap<>(plan.result());
            if (plan.hasChanges() && !ctx.checkMode()) {
                Map<String, Object> applied = plan.action().apply();
                if (applied != null) {
                    data.putAll(applied);
                }
            }
        } catch (UnreachableException e) {
            return new TaskResult(Status.UNREACHABLE, false, false, e.getMessage(), e.data(), List.of(), "", elapsed(start), null, List.of(), null);
        } catch (ModuleException e) {
            return afterConditions(task, scope, new TaskResult(Status.FAILED, false, false, e.getMessage(), e.data(), List.of(), "",
                    elapsed(start), null, List.of(), null));
        } catch (Templater.TemplateVarException e) {
            // A host variable the module read (e.g. k8s_kubeconfig) has a template that cannot be rendered: the user's to fix.
            return failure(task, e.getMessage(), start);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "module " + module.name() + " crashed", e);
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(trace));
            listener.verbose(ctx.host(), "internal error in module " + module.name() + ":\n" + trace);
            return new TaskResult(Status.FAILED, false, false, "internal error in module " + module.name() + ": " + e
                    + " (this is a bug in edge; the log file has the details)", Map.of(), List.of(), "", elapsed(start), null, List.of(), null);
        }
        if (plan.skipped()) {
            return new TaskResult(Status.SKIPPED, false, false, plan.message(), data, List.of(), "", elapsed(start), null, List.of(), null);
        }
        boolean changed = plan.hasChanges();
        String diff = changed && options.diffFor(task) && !task.noLog() ? redactor.redact(DiffRenderer.render(plan.changes())) : "";
        TaskResult r = new TaskResult(changed ? Status.CHANGED : Status.OK, changed, false, plan.message(), data,
                plan.changes(), diff, elapsed(start), null, List.of(), null);
        return afterConditions(task, scope, r);
    }

    /** changed_when and failed_when, evaluated with the result bound to the register name (and as 'result'). */
    private TaskResult afterConditions(Task task, Scope scope, TaskResult r) throws TemplateException {
        if (task.changedWhen() == null && task.failedWhen() == null) {
            return r;
        }
        Scope withResult = scope.with(registerBinding(task, r));
        boolean changed = r.changed();
        Status status = r.status();
        String message = r.message();
        if (task.changedWhen() != null && status != Status.FAILED) {
            changed = conditionHolds(task.changedWhen(), withResult);
            status = changed ? Status.CHANGED : Status.OK;
        }
        if (task.failedWhen() != null) {
            boolean failed = conditionHolds(task.failedWhen(), withResult);
            if (failed) {
                status = Status.FAILED;
                message = message != null && r.status() == Status.FAILED ? message : "failed_when condition held: " + task.failedWhen();
            } else if (status == Status.FAILED) {
                status = changed ? Status.CHANGED : Status.OK;
                message = null;
            }
        }
        return new TaskResult(status, changed, false, message, r.data(), r.changes(), changed ? r.diff() : "",
                r.duration(), r.itemLabel(), r.items(), r.sharedWith());
    }

    private Map<String, Object> registerBinding(Task task, TaskResult r) {
        Map<String, Object> binding = new LinkedHashMap<>();
        Map<String, Object> registered = registered(r);
        binding.put("result", registered);
        if (task.register() != null) {
            binding.put(task.register(), registered);
        }
        return binding;
    }

    /** What {@code register:} stores: the module's data plus changed/failed/skipped/msg, Ansible style. */
    static Map<String, Object> registered(TaskResult r) {
        Map<String, Object> m = new LinkedHashMap<>(r.data());
        m.put("changed", r.changed());
        m.put("failed", r.status() == Status.FAILED);
        m.put("skipped", r.status() == Status.SKIPPED);
        if (r.status() == Status.UNREACHABLE) {
            m.put("unreachable", true);
        }
        if (r.message() != null) {
            m.put("msg", r.message());
        }
        if (!r.items().isEmpty()) {
            List<Object> results = new ArrayList<>();
            for (TaskResult item : r.items()) {
                results.add(registered(item));
            }
            m.put("results", results);
        }
        return m;
    }

    private boolean conditionHolds(Object condition, Scope scope) throws TemplateException {
        if (condition == null) {
            return true;
        }
        if (condition instanceof List<?> list) {
            for (Object c : list) {
                if (!templater.isTrue(c, scope)) {
                    return false;
                }
            }
            return true;
        }
        return templater.isTrue(condition, scope);
    }

    private String label(Task task, Scope scope, Object item) {
        if (task.loopLabel() != null) {
            try {
                return String.valueOf(templater.render(task.loopLabel(), scope));
            } catch (TemplateException e) {
                return String.valueOf(task.loopLabel());
            }
        }
        return item instanceof Map || item instanceof List ? Json.compact(item) : String.valueOf(item);
    }

    /**
     * Registers every secret argument value, at any depth: what the schema marks {@code x-edge-secret};
     * for keys the schema does not describe (set_fact, free-form mappings), a secret-looking name. A
     * value the schema limits to an enumeration is a choice, never a secret.
     */
    private void registerSecrets(Object value, com.fasterxml.jackson.databind.JsonNode schema, boolean secret) {
        if (value instanceof String s) {
            if (secret && (schema == null || !schema.has("enum"))) {
                redactor.register(s);
            }
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                com.fasterxml.jackson.databind.JsonNode prop = schema == null ? null : schema.path("properties").path(key);
                boolean described = prop != null && !prop.isMissingNode();
                boolean s = secret || (described ? prop.path("x-edge-secret").asBoolean(false) : Redactor.isSecretName(key));
                registerSecrets(e.getValue(), described ? prop : null, s);
            }
        } else if (value instanceof List<?> list) {
            com.fasterxml.jackson.databind.JsonNode items = schema == null ? null : schema.path("items");
            for (Object o : list) {
                registerSecrets(o, items == null || items.isMissingNode() ? null : items, secret);
            }
        }
    }

    private TaskResult aggregate(List<TaskResult> items, long start) {
        boolean changed = items.stream().anyMatch(TaskResult::changed);
        boolean allSkipped = items.stream().allMatch(r -> r.status() == Status.SKIPPED);
        Status status;
        String message = null;
        if (items.stream().anyMatch(r -> r.status() == Status.UNREACHABLE)) {
            status = Status.UNREACHABLE;
            message = items.stream().filter(r -> r.status() == Status.UNREACHABLE).findFirst().map(TaskResult::message).orElse(null);
        } else if (items.stream().anyMatch(r -> r.status() == Status.FAILED)) {
            status = Status.FAILED;
            message = "one or more items failed";
        } else if (allSkipped) {
            status = Status.SKIPPED;
        } else {
            status = changed ? Status.CHANGED : Status.OK;
        }
        List<Change> changes = new ArrayList<>();
        StringBuilder diff = new StringBuilder();
        for (TaskResult r : items) {
            changes.addAll(r.changes());
            diff.append(r.diff());
        }
        return new TaskResult(status, changed, false, message, Map.of(), changes, diff.toString(), elapsed(start), null, items, null);
    }

    private TaskResult skipped(long start, String label) {
        return new TaskResult(Status.SKIPPED, false, false, null, Map.of(), List.of(), "", elapsed(start), label, List.of(), null);
    }

    private TaskResult failure(Task task, String message, long start) {
        Location at = task.at();
        return new TaskResult(Status.FAILED, false, false, message + " (task '" + task.displayName() + "' at " + at.format() + ")",
                Map.of(), List.of(), "", elapsed(start), null, List.of(), null);
    }

    private static TaskResult withLabel(TaskResult r, String label) {
        if (label == null) {
            return r;
        }
        return new TaskResult(r.status(), r.changed(), r.ignored(), r.message(), r.data(), r.changes(), r.diff(), r.duration(),
                label, r.items(), r.sharedWith());
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** A delay in seconds (default 5, as Ansible's), or null when it is not a non-negative number. */
    private static Double seconds(Object o) {
        if (o == null) {
            return 5.0;
        }
        double d;
        if (o instanceof Number n) {
            d = n.doubleValue();
        } else {
            try {
                d = Double.parseDouble(String.valueOf(o).strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return d >= 0 && Double.isFinite(d) ? d : null;
    }

    private static String typeName(Object o) {
        return o == null ? "null" : o instanceof String ? "a string" : o instanceof Map ? "a mapping" : o.getClass().getSimpleName();
    }

    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    /** The module's view of the run, for one host and one task. */
    private final class Ctx implements TaskContext {
        private final String host;
        private final Map<String, Object> args;
        private final Scope scope;
        private final Task task;

        Ctx(String host, Map<String, Object> args, Scope scope, Task task) {
            this.host = host;
            this.args = args;
            this.scope = scope;
            this.task = task;
        }

        @Override
        public String host() {
            return host;
        }

        @Override
        public Map<String, Object> args() {
            return args;
        }

        @Override
        public edge.template.Vars vars() {
            return scope;
        }

        @Override
        public Object evaluate(String expression) throws ModuleException {
            try {
                return templater.evaluate(expression, scope);
            } catch (TemplateException | Templater.TemplateVarException e) {
                throw new ModuleException(e.getMessage());
            }
        }

        @Override
        public boolean checkMode() {
            return options.checkFor(task);
        }

        @Override
        public boolean diffMode() {
            return options.diffFor(task);
        }

        @Override
        public int verbosity() {
            return options.verbosity();
        }

        @Override
        public RunResources resources() {
            return resources;
        }

        @Override
        public Redactor redactor() {
            return redactor;
        }

        @Override
        public Path playbookDir() {
            return playbookDir;
        }

        @Override
        public <T extends Transaction> T transaction(String key, java.util.function.Supplier<T> factory) {
            return transactions.of(host, key, factory);
        }

        @Override
        public void log(String message) {
            listener.verbose(host, redactor.redact(message));
        }
    }
}
