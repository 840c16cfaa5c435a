package edge.engine;

import edge.module.OpensConnection;
import edge.module.TaskContext;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The connections a run's later plays will need, opened at its start on daemon threads (see
 * {@link OpensConnection}): a firewall's SSH handshake overlaps the Kubernetes play instead of
 * following it. Closing waits for the opens still in flight, so that none finishes after the run's
 * resources were closed.
 */
final class ConnectionsAhead implements AutoCloseable {
    /** Bounded by the transports' own connect timeouts; this is only the backstop. */
    private static final long CLOSE_WAIT_SECONDS = 120;

    record Target(OpensConnection module, TaskContext ctx) {
    }

    private final ExecutorService pool;

    private ConnectionsAhead(ExecutorService pool) {
        this.pool = pool;
    }

    static ConnectionsAhead start(List<Target> targets) {
        if (targets.isEmpty()) {
            return new ConnectionsAhead(null);
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(targets.size(), 8), r -> {
            Thread t = new Thread(r, "edge-connect-ahead");
            t.setDaemon(true);
            return t;
        });
        for (Target t : targets) {
            pool.execute(() -> {
                try {
                    t.module().openAhead(t.ctx());
                } catch (RuntimeException e) {
                    // Only a head start: the task opens (and reports) its connection itself.
                }
            });
        }
        pool.shutdown();
        return new ConnectionsAhead(pool);
    }

    @Override
    public void close() {
        if (pool == null) {
            return;
        }
        try {
            if (!pool.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
