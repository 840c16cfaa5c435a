package edge.module;

/**
 * A module that works on what earlier tasks of the play staged in a {@link Transaction} (a
 * verification of the firewall's BGP sessions needs the new FRR configuration applied). The engine
 * commits the host's staged transactions, as their own {@code commit:} result line, before it runs
 * such a task; a module never commits from {@link Module#plan}, which must not change anything.
 */
public interface NeedsCommittedChanges {
}
