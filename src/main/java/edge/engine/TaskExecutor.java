package edge.engine;

import edge.core.Json;
import edge.core.Location;
import edge.core.Problem;
import edge.module.Change;
import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.SharedSystem;
import edge.module.UnreachableException;
import edge.playbook.LoopItems;
import edge.playbook.Task;
import edge.schema.SchemaValidator;
import edge.template.TemplateException;
import edge.template.Templater;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one task on one host: {@code when}, the loop, then for each item the arguments (templated,
 * checked against the module's schema, secrets registered), the shared-system hand-off, and the
 * attempts ({@code retries/until}): the module's plan, its action unless in check mode, then
 * {@code changed_when/failed_when}. Every failure becomes a result, never an exception, and every
 * message names the task and where it is written.
 */
final class TaskExecutor {
    private static final Logger LOG = Logger.getLogger(TaskExecutor.class.getName());

    /** Builds the host's scope for a task (its vars, its check and diff mode). */
    interface ScopeFactory {
        Scope scope(Task task);
    }

    private final ModuleRegistry modules;
    private final ModuleTaskContext.Run run;
    private final Templater templater;
    private final TaskConditions conditions;

    TaskExecutor(ModuleRegistry modules, ModuleTaskContext.Run run) {
        this.modules = modules;
        this.run = run;
        this.templater = run.templater();
        this.conditions = new TaskConditions(run.templater());
    }

    TaskResult execute(HostState host, Task task, ScopeFactory scopes, SharedSystemHandoff handoff) {
        TaskResult r = executeUnlessIgnored(host, task, scopes, handoff);
        return r.status() == Status.FAILED && task.ignoreErrors() ? r.withIgnored() : r;
    }

    private TaskResult executeUnlessIgnored(HostState host, Task task, ScopeFactory scopes, SharedSystemHandoff handoff) {
        long start = System.nanoTime();
        try {
            Scope scope = scopes.scope(task);
            if (task.loop() == null) {
                if (!conditions.holds(task.when(), scope)) {
                    return TaskResult.skipped(null, elapsed(start));
                }
                return once(host, task, scope, null, handoff, start);
            }
            Object loop = task.loop() instanceof String s ? templater.renderString(s, scope) : templater.render(task.loop(), scope);
            List<Map<String, Object>> bindings = LoopItems.bindings(task, loop);
            if (bindings.isEmpty()) {
                return TaskResult.skipped(null, elapsed(start));
            }
            List<TaskResult> results = new ArrayList<>();
            for (Map<String, Object> binding : bindings) {
                Object item = binding.get(task.loopVar());
                Scope itemScope = scope.with(binding);
                String label = label(task, itemScope, item);
                long itemStart = System.nanoTime();
                TaskResult r = conditions.holds(task.when(), itemScope)
                        ? once(host, task, itemScope, label, handoff, itemStart)
                        : TaskResult.skipped(null, elapsed(itemStart)).withLabel(label);
                // As in Ansible, each item's result carries the item, so register.results[].item works.
                Map<String, Object> withItem = new LinkedHashMap<>(r.data());
                withItem.put(task.loopVar(), item);
                withItem.put("ansible_loop_var", task.loopVar());
                results.add(r.withData(withItem));
                if (r.status() == Status.UNREACHABLE) {
                    break;
                }
            }
            return aggregate(results, start);
        } catch (LoopItems.NotAList e) {
            return failure(task, e.getMessage(), start);
        } catch (TemplateException | Templater.TemplateVarException e) {
            return failure(task, e.getMessage(), start);
        }
    }

    /** One run of the module (for one loop item): arguments, shared-system hand-off, attempts. */
    private TaskResult once(HostState host, Task task, Scope scope, String label, SharedSystemHandoff handoff, long start)
            throws TemplateException {
        Module module = modules.find(task.module()).orElseThrow();
        Object renderedArgs = templater.render(task.args(), scope);
        @SuppressWarnings("unchecked")
        Map<String, Object> templated = renderedArgs instanceof Map<?, ?> ? (Map<String, Object>) renderedArgs : Map.of();
        Map<String, Object> args = templated;
        SchemaValidator schema = SchemaValidator.forResource(module.schema());
        List<Problem> invalid = schema.validate(templated, task.sources(), task.pointer() + "/" + escape(task.module()), false);
        if (!invalid.isEmpty()) {
            Problem p = invalid.get(0);
            return failure(task, "invalid argument after templating: " + (p.key().isEmpty() ? "" : p.key() + ": ") + p.message(), start)
                    .withLabel(label);
        }
        args = edge.schema.SchemaDefaults.applied(args, schema.schemaNode());
        ArgumentSecrets.register(run.redactor(), args, schema.schemaNode());
        ModuleTaskContext ctx = new ModuleTaskContext(run, host.name, args, scope, task);
        Optional<String> shared;
        try {
            shared = module instanceof SharedSystem s ? s.sharedSystem(ctx) : Optional.empty();
        } catch (Templater.TemplateVarException e) {
            return failure(task, e.getMessage(), start).withLabel(label);
        }
        if (shared.isEmpty()) {
            return attempts(module, task, ctx, scope, start).withLabel(label);
        }
        String systemKey = shared.get() + "|" + Json.compact(args) + "|" + label;
        return handoff.runOnce(systemKey, () -> attempts(module, task, ctx, scope, start).withLabel(label),
                e -> failure(task, e.getMessage(), start).withLabel(label), start);
    }

    /** The module's attempts: once, or with {@code until} until it holds, at most 1 + {@code retries} times. */
    private TaskResult attempts(Module module, Task task, ModuleTaskContext ctx, Scope scope, long start) throws TemplateException {
        // As ansible-core: the first run plus `retries` retries (default 3).
        int attempts = task.until() != null ? Math.max(1, (task.retries() == null ? 3 : task.retries()) + 1) : 1;
        Object delayValue = task.delay() instanceof String s ? templater.renderString(s, scope) : task.delay();
        Double delaySeconds = seconds(delayValue);
        if (delaySeconds == null) {
            return failure(task, "delay must be a number of seconds, not '" + delayValue + "'", start);
        }
        TaskResult result = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            result = attemptOnce(module, task, ctx, scope, start);
            if (task.until() == null || result.status() == Status.UNREACHABLE || conditions.untilHolds(task, scope, result)) {
                break;
            }
            if (attempt == attempts) {
                Map<String, Object> data = new LinkedHashMap<>(result.data());
                data.put("attempts", attempts);
                return result.withStatus(Status.FAILED, result.changed()).withData(data).withDuration(elapsed(start))
                        .withMessage("gave up after " + attempts + " attempts: until condition '" + task.until() + "' never held"
                                + (result.message() == null ? "" : " (last: " + result.message() + ")"));
            }
            run.listener().verbose(ctx.host(), "FAILED - RETRYING: " + task.displayName() + " (" + (attempts - attempt) + " retries left)");
            try {
                Thread.sleep((long) (delaySeconds * 1000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return failure(task, "interrupted", start);
            }
        }
        return result;
    }

    /** Plan, then apply the plan's action when it has changes and the task is not in check mode. */
    private TaskResult attemptOnce(Module module, Task task, ModuleTaskContext ctx, Scope scope, long start) throws TemplateException {
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
            return TaskResult.of(Status.UNREACHABLE, e.getMessage(), elapsed(start)).withData(e.data());
        } catch (ModuleException e) {
            return conditions.apply(task, scope, TaskResult.failed(e.getMessage(), elapsed(start)).withData(e.data()));
        } catch (Templater.TemplateVarException e) {
            // A host variable the module read (e.g. k8s_kubeconfig) has a template that cannot be rendered: the user's to fix.
            return failure(task, e.getMessage(), start);
        } catch (RuntimeException e) {
            return internalError(module, ctx, e, start);
        }
        if (plan.skipped()) {
            return TaskResult.skipped(plan.message(), elapsed(start)).withData(data);
        }
        boolean changed = plan.hasChanges();
        String diff = changed && ctx.diffMode() && !task.noLog() ? run.redactor().redact(DiffRenderer.render(plan.changes())) : "";
        TaskResult r = TaskResult.of(changed ? Status.CHANGED : Status.OK, plan.message(), elapsed(start))
                .withData(data).withChanges(plan.changes(), diff);
        return conditions.apply(task, scope, r);
    }

    private TaskResult internalError(Module module, ModuleTaskContext ctx, RuntimeException e, long start) {
        LOG.log(Level.SEVERE, "module " + module.name() + " crashed", e);
        java.io.StringWriter trace = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(trace));
        run.listener().verbose(ctx.host(), "internal error in module " + module.name() + ":\n" + trace);
        return TaskResult.failed("internal error in module " + module.name() + ": " + e
                + " (this is a bug in edge; the log file has the details)", elapsed(start));
    }

    /** What {@code register:} stores: the module's data plus changed/failed/skipped/msg, Ansible style. */
    static Map<String, Object> registered(TaskResult r) {
        return TaskConditions.registered(r);
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

    private static TaskResult aggregate(List<TaskResult> items, long start) {
        boolean changed = items.stream().anyMatch(TaskResult::changed);
        Status status;
        String message = null;
        if (items.stream().anyMatch(r -> r.status() == Status.UNREACHABLE)) {
            status = Status.UNREACHABLE;
            message = items.stream().filter(r -> r.status() == Status.UNREACHABLE).findFirst().map(TaskResult::message).orElse(null);
        } else if (items.stream().anyMatch(r -> r.status() == Status.FAILED)) {
            status = Status.FAILED;
            message = "one or more items failed";
        } else if (items.stream().allMatch(r -> r.status() == Status.SKIPPED)) {
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
        return TaskResult.of(status, message, elapsed(start)).withStatus(status, changed).withChanges(changes, diff.toString())
                .withItems(items);
    }

    private static TaskResult failure(Task task, String message, long start) {
        Location at = task.at();
        return TaskResult.failed(message + " (task '" + task.displayName() + "' at " + at.format() + ")", elapsed(start));
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

    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
