package edge.engine;

/** The outcome of a task on a host, as in Ansible's output and recap. */
public enum Status {
    OK("ok"), CHANGED("changed"), SKIPPED("skipping"), FAILED("failed"), UNREACHABLE("unreachable");

    private final String label;

    Status(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
