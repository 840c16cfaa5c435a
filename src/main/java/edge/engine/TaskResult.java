package edge.engine;

import edge.module.Change;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The result of one task on one host (or one loop item). {@code data} is what {@code register:} stores;
 * {@code diff} is the rendered, redacted diff (empty when nothing changed); {@code sharedWith} is
 * "shared" when another host handled the task's shared system.
 */
public record TaskResult(
        Status status,
        boolean changed,
        boolean ignored,
        String message,
        Map<String, Object> data,
        List<Change> changes,
        String diff,
        Duration duration,
        String itemLabel,
        List<TaskResult> items,
        String sharedWith) {

    /** A result with nothing but a status, a message (may be null) and how long it took. */
    public static TaskResult of(Status status, String message, Duration duration) {
        return new TaskResult(status, status == Status.CHANGED, false, message, Map.of(), List.of(), "", duration, null, List.of(), null);
    }

    public static TaskResult failed(String message, Duration duration) {
        return of(Status.FAILED, message, duration);
    }

    public static TaskResult skipped(String reason, Duration duration) {
        return of(Status.SKIPPED, reason, duration);
    }

    public boolean failed() {
        return status == Status.FAILED;
    }

    public TaskResult withStatus(Status newStatus, boolean isChanged) {
        return new TaskResult(newStatus, isChanged, ignored, message, data, changes, diff, duration, itemLabel, items, sharedWith);
    }

    public TaskResult withIgnored() {
        return new TaskResult(status, changed, true, message, data, changes, diff, duration, itemLabel, items, sharedWith);
    }

    public TaskResult withMessage(String newMessage) {
        return new TaskResult(status, changed, ignored, newMessage, data, changes, diff, duration, itemLabel, items, sharedWith);
    }

    public TaskResult withData(Map<String, Object> newData) {
        return new TaskResult(status, changed, ignored, message, newData, changes, diff, duration, itemLabel, items, sharedWith);
    }

    public TaskResult withChanges(List<Change> newChanges, String newDiff) {
        return new TaskResult(status, changed, ignored, message, data, newChanges, newDiff, duration, itemLabel, items, sharedWith);
    }

    public TaskResult withDuration(Duration newDuration) {
        return new TaskResult(status, changed, ignored, message, data, changes, diff, newDuration, itemLabel, items, sharedWith);
    }

    /** The loop item's label; null leaves the result as it is. */
    public TaskResult withLabel(String label) {
        return label == null ? this
                : new TaskResult(status, changed, ignored, message, data, changes, diff, duration, label, items, sharedWith);
    }

    public TaskResult withItems(List<TaskResult> newItems) {
        return new TaskResult(status, changed, ignored, message, data, changes, diff, duration, itemLabel, newItems, sharedWith);
    }

    public TaskResult sharedWithAnotherHost() {
        return new TaskResult(status, changed, ignored, message, data, changes, diff, duration, itemLabel, items, "shared");
    }
}
