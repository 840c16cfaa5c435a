package edge.engine;

/** The outcome of a task on a host, as in Ansible's output and recap. */
public enum Status {
    OK, CHANGED, SKIPPED, FAILED, UNREACHABLE
}
