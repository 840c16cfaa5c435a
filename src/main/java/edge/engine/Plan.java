package edge.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a module found and would do: the changes (empty = nothing to do, status ok), the data the
 * task returns (registered with {@code register:}), a short message, and the action that applies
 * exactly these changes.
 */
public record Plan(List<Change> changes, Map<String, Object> result, String message, ApplyAction action) {

    public Plan {
        changes = List.copyOf(changes);
        result = result == null ? Map.of() : new LinkedHashMap<>(result);
    }

    /** Nothing to change; {@code result} is returned as the task's data. */
    public static Plan noChange(Map<String, Object> result) {
        return new Plan(List.of(), result, null, null);
    }

    public static Plan noChange(Map<String, Object> result, String message) {
        return new Plan(List.of(), result, message, null);
    }

    public static Plan of(List<Change> changes, Map<String, Object> result, ApplyAction action) {
        if (!changes.isEmpty() && action == null) {
            throw new IllegalArgumentException("a plan with changes needs an action");
        }
        return new Plan(changes, result, null, changes.isEmpty() ? null : action);
    }

    public boolean hasChanges() {
        return !changes.isEmpty();
    }
}
