package edge.module;

/**
 * A module whose tasks talk to their host over a connection the engine may open ahead of time: at the
 * start of the run, for every host a play will run such a task on, while the plays before it run. A
 * no-op run then spends no time waiting on handshakes (SSH to a firewall is the slowest step to
 * start). Opening contacts only the task's own host, changes nothing and prints nothing; whatever
 * fails is kept for the task, which reports it as if it had opened the connection itself.
 */
public interface OpensConnection {
    /**
     * Opens the connection the module's tasks on {@code ctx.host()} will use and keeps it in
     * {@code ctx.resources()}. {@code ctx} sees the host's variables as known before the run (no facts)
     * and the task's arguments as written (a template in them is not rendered); when these do not name
     * the connection for certain yet, do nothing.
     */
    void openAhead(TaskContext ctx);
}
