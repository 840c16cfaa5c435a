package edge.module;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a module found and would do: the changes (empty = nothing to do, status ok), the data the
 * task returns (registered with {@code register:}), a short message, and the action that applies
 * exactly these changes. A plan can also say the task cannot do its work in this run ({@link #skip}):
 * the task is then reported as skipped, with the reason.
 */
public record Plan(List<Change> changes, Map<String, Object> result, String message, ApplyAction action, boolean skipped) {

    /**
     * A result key whose value, a list of lines, is shown under the task's result line at every
     * verbosity: a table for people (the BGP sessions a verification saw). The JSON report keeps it
     * with the rest of the result.
     */
    public static final String DISPLAY = "display";

    public Plan {
        changes = List.copyOf(changes);
        result = result == null ? Map.of() : new LinkedHashMap<>(result);
        if (skipped && !changes.isEmpty()) {
            throw new IllegalArgumentException("a skipped plan has no changes");
        }
    }

    public Plan(List<Change> changes, Map<String, Object> result, String message, ApplyAction action) {
        this(changes, result, message, action, false);
    }

    /** Nothing done, for a reason the user should see (e.g. a verification that cannot run in check mode). */
    public static Plan skip(String reason, Map<String, Object> result) {
        return new Plan(List.of(), result, reason, null, true);
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
