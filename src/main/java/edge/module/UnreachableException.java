package edge.module;

/** The host could not be reached: the host is marked unreachable and gets no further tasks. */
public class UnreachableException extends ModuleException {
    public UnreachableException(String message) {
        super(message);
    }
}
