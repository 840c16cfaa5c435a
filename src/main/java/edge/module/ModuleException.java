package edge.module;

/** The module could not do its job: the task fails on this host with this message. */
public class ModuleException extends Exception {
    private final java.util.Map<String, Object> data;

    public ModuleException(String message) {
        this(message, java.util.Map.of());
    }

    public ModuleException(String message, java.util.Map<String, Object> data) {
        super(message, null, false, false);
        this.data = data;
    }

    /** Extra result data (e.g. the per-neighbour state of a failed verification). */
    public java.util.Map<String, Object> data() {
        return data;
    }
}
