package edge.engine;

import edge.playbook.Task;
import edge.template.TemplateException;
import edge.template.Templater;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's conditions, Ansible style: {@code when} before it runs; {@code until} after each attempt;
 * {@code changed_when} and {@code failed_when} on its result. Conditions after a run see the result
 * under the task's {@code register} name and as {@code result}.
 */
final class TaskConditions {
    private final Templater templater;

    TaskConditions(Templater templater) {
        this.templater = templater;
    }

    /** A condition, or a list of them that must all hold; null holds. */
    boolean holds(Object condition, Scope scope) throws TemplateException {
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

    boolean untilHolds(Task task, Scope scope, TaskResult r) throws TemplateException {
        return holds(task.until(), scope.with(registerBinding(task, r)));
    }

    /** The result after {@code changed_when} and {@code failed_when}. */
    TaskResult apply(Task task, Scope scope, TaskResult r) throws TemplateException {
        if (task.changedWhen() == null && task.failedWhen() == null) {
            return r;
        }
        Scope withResult = scope.with(registerBinding(task, r));
        boolean changed = r.changed();
        Status status = r.status();
        String message = r.message();
        if (task.changedWhen() != null && status != Status.FAILED) {
            changed = holds(task.changedWhen(), withResult);
            status = changed ? Status.CHANGED : Status.OK;
        }
        if (task.failedWhen() != null) {
            if (holds(task.failedWhen(), withResult)) {
                status = Status.FAILED;
                message = message != null && r.status() == Status.FAILED ? message : "failed_when condition held: " + task.failedWhen();
            } else if (status == Status.FAILED) {
                status = changed ? Status.CHANGED : Status.OK;
                message = null;
            }
        }
        return r.withStatus(status, changed).withMessage(message).withChanges(r.changes(), changed ? r.diff() : "");
    }

    private static Map<String, Object> registerBinding(Task task, TaskResult r) {
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
}
