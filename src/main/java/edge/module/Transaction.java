package edge.module;

import java.util.Map;

/**
 * Changes that several tasks stage on one system and that are applied together: on pfSense, one
 * {@code write_config} and one FRR regeneration for all FRR steps of a play instead of one per task
 * (each regeneration may restart FRR and flap every BGP session).
 *
 * <p>A module's {@link Plan} action stages its changes in the host's transaction (so the task reports
 * {@code changed}); the engine commits every transaction with staged changes at the end of the play,
 * before handlers, and reports the commit as its own result line: {@code changed} when it wrote
 * something, {@code ok} when the system, read afresh, already held everything staged. A module that
 * needs the changes applied before it runs (a verification) implements {@link NeedsCommittedChanges}:
 * the engine then commits the host's transactions before that task. In check mode nothing is staged,
 * so nothing is committed.
 */
public interface Transaction {

    /** What a commit did: whether it changed the system, and the data reported for it. */
    record Committed(boolean changed, Map<String, Object> data) {
        public Committed {
            data = Map.copyOf(data);
        }

        public static Committed changed(Map<String, Object> data) {
            return new Committed(true, data);
        }

        /** The system already held what was staged (someone made the same change meanwhile): nothing written. */
        public static Committed nothingToWrite() {
            return new Committed(false, Map.of());
        }
    }

    /** For the output: what is committed, e.g. "pfSense configuration". */
    String description();

    boolean hasStaged();

    /** Applies everything staged, once. Staged changes are cleared even on failure. */
    Committed commit() throws ModuleException;
}
