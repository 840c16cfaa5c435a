package edge.engine;

import edge.playbook.Task;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints one task's results in inventory order, each as soon as every host before it has reported,
 * whatever order the hosts finish in: two cron logs of the same site then differ only where
 * something did. Also counts each result for the recap.
 */
final class ResultPrinter {
    private final Task task;
    private final List<String> order;
    private final Map<String, HostStats> stats;
    private final RunListener listener;
    private final Map<String, TaskResult> waiting = new HashMap<>();
    private int next;

    ResultPrinter(Task task, List<String> order, Map<String, HostStats> stats, RunListener listener) {
        this.task = task;
        this.order = order;
        this.stats = stats;
        this.listener = listener;
    }

    synchronized void add(String host, TaskResult r) {
        waiting.put(host, r);
        if (next >= order.size()) {
            print(host); // flushed already (an interrupted run): a step that finishes now is still shown
            return;
        }
        while (next < order.size() && waiting.containsKey(order.get(next))) {
            print(order.get(next++));
        }
    }

    /**
     * Prints what is still held back because a host before it has not reported (a run being stopped);
     * from then on each result is printed as it comes.
     */
    synchronized void flush() {
        for (; next < order.size(); next++) {
            if (waiting.containsKey(order.get(next))) {
                print(order.get(next));
            }
        }
    }

    private void print(String host) {
        TaskResult r = waiting.remove(host);
        stats.get(host).count(r);
        listener.hostResult(host, task, r);
    }
}
