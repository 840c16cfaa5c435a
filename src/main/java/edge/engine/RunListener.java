package edge.engine;

import edge.playbook.Play;
import edge.playbook.Task;
import java.util.List;
import java.util.Map;

/** Receives the run's events: the console display, the log file and the JSON report implement it. */
public interface RunListener {
    default void playStart(Play play, List<String> hosts) {
    }

    default void taskStart(Task task, boolean handler) {
    }

    default void hostResult(String host, Task task, TaskResult result) {
    }

    default void warning(String message) {
    }

    default void verbose(String host, String message) {
    }

    /** Where a long-running task stands on a host (see {@code TaskContext.progress}); the final state comes as its result. */
    default void progress(String host, Task task, String status) {
    }

    default void recap(Map<String, HostStats> stats, RunOutcome outcome) {
    }

    /** Fans each event out to several listeners. */
    static RunListener all(List<RunListener> listeners) {
        return new RunListener() {
            @Override
            public void playStart(Play play, List<String> hosts) {
                listeners.forEach(l -> l.playStart(play, hosts));
            }

            @Override
            public void taskStart(Task task, boolean handler) {
                listeners.forEach(l -> l.taskStart(task, handler));
            }

            @Override
            public void hostResult(String host, Task task, TaskResult result) {
                listeners.forEach(l -> l.hostResult(host, task, result));
            }

            @Override
            public void warning(String message) {
                listeners.forEach(l -> l.warning(message));
            }

            @Override
            public void verbose(String host, String message) {
                listeners.forEach(l -> l.verbose(host, message));
            }

            @Override
            public void progress(String host, Task task, String status) {
                listeners.forEach(l -> l.progress(host, task, status));
            }

            @Override
            public void recap(Map<String, HostStats> stats, RunOutcome outcome) {
                listeners.forEach(l -> l.recap(stats, outcome));
            }
        };
    }
}
