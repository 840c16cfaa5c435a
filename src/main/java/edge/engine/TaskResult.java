package edge.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The result of one task on one host (or one loop item). {@code data} is what {@code register:} stores;
 * {@code diff} is the rendered, redacted diff (empty when nothing changed).
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

    public boolean failed() {
        return status == Status.FAILED;
    }
}
