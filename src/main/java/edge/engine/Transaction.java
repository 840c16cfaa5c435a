package edge.engine;

import java.util.Map;

/**
 * Changes that several tasks stage on one system and that are applied together: on pfSense, one
 * {@code write_config} and one FRR regeneration for all FRR steps of a play instead of one per task
 * (each regeneration may restart FRR and flap every BGP session).
 *
 * <p>A module's {@link Plan} action stages its changes in the host's transaction (so the task reports
 * {@code changed}); the engine commits every transaction with staged changes at the end of the play,
 * before handlers, and reports the commit as its own result line. A module that needs the changes
 * applied before it can work (a verification) calls {@link #commit()} itself. In check mode nothing is
 * staged, so nothing is committed.
 */
public interface Transaction {

    /** For the output: what is committed, e.g. "pfSense configuration". */
    String description();

    boolean hasStaged();

    /** Applies everything staged, once; returns result data. Staged changes are cleared even on failure. */
    Map<String, Object> commit() throws ModuleException;
}
