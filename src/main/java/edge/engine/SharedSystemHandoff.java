package edge.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * One task's hand-off between the hosts of a shared system (one Kubernetes API for all nodes): the
 * first host to claim a system runs the task, the others wait for its result and report it as handled
 * elsewhere, or fail with it. A claim is always completed, whatever happens on the claiming host, so
 * no host waits for ever.
 */
final class SharedSystemHandoff {
    /** Runs the task for the claiming host. */
    interface Work {
        TaskResult run() throws Exception;
    }

    private final Map<String, CompletableFuture<TaskResult>> claims = new ConcurrentHashMap<>();

    /**
     * Runs {@code work} if this host is the first to claim {@code systemKey}; otherwise waits for the
     * claiming host's result. {@code onError} turns an exception of {@code work} into the result.
     */
    TaskResult runOnce(String systemKey, Work work, java.util.function.Function<Exception, TaskResult> onError, long start) {
        CompletableFuture<TaskResult> mine = new CompletableFuture<>();
        CompletableFuture<TaskResult> existing = claims.putIfAbsent(systemKey, mine);
        if (existing != null) {
            return resultForOtherHost(existing, start);
        }
        TaskResult result = null;
        try {
            result = work.run();
        } catch (Exception e) {
            result = onError.apply(e);
        } finally {
            mine.complete(result != null ? result : TaskResult.failed(
                    "internal error on the host that ran it (this is a bug in edge; -v or --log-file show the details)", elapsed(start)));
        }
        return result;
    }

    private static TaskResult resultForOtherHost(CompletableFuture<TaskResult> owner, long start) {
        try {
            TaskResult r = owner.get();
            if (r.status() == Status.FAILED || r.status() == Status.UNREACHABLE) {
                // The shared system is in the same state for every host: they all stop here, as the owner did
                // (unreachable stays unreachable: the API server is the same one).
                return new TaskResult(r.status(), false, false, (r.status() == Status.UNREACHABLE ? "" : "the same task failed on the"
                        + " shared system from another host: ") + r.message(), r.data(), List.of(), "", elapsed(start), r.itemLabel(),
                        List.of(), null);
            }
            return TaskResult.skipped("handled once for the shared system on another host", elapsed(start))
                    .withData(r.data()).withLabel(r.itemLabel()).sharedWithAnotherHost();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return TaskResult.failed("interrupted", elapsed(start));
        } catch (ExecutionException e) {
            return TaskResult.failed("shared task failed", elapsed(start));
        }
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
