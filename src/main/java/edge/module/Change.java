package edge.module;

/**
 * One change a plan will make, as data: what is done ({@link Action}), to what ({@code path}, for
 * people: {@code frrbgp.asnum}, {@code IPAddressPool metallb-system/pool spec.addresses}), the value
 * before (null when created) and after (null when removed), and an optional note for changes that are
 * about a whole object rather than a value ("left the manifest: delete"). Secret values are masked in
 * every diff.
 */
public record Change(Action action, String path, Object before, Object after, boolean secret, String note) {

    /** What a change does, so that reports and tests can count operations. */
    public enum Action { CREATE, UPDATE, DELETE, RUN }

    /** A value changed; a null before is a creation, a null after a removal. */
    public static Change of(String path, Object before, Object after) {
        return new Change(actionOf(before, after), path, before, after, false, null);
    }

    public static Change secret(String path, Object before, Object after) {
        return new Change(actionOf(before, after), path, before, after, true, null);
    }

    public static Change created(String path, Object after) {
        return new Change(Action.CREATE, path, null, after, false, null);
    }

    public static Change removed(String path, Object before) {
        return new Change(Action.DELETE, path, before, null, false, null);
    }

    /** A whole thing is created; the note says how or when (e.g. "create (after its CRD)"). */
    public static Change create(String what, String note) {
        return new Change(Action.CREATE, what, null, null, false, note);
    }

    /** A whole thing is deleted; the note says why. */
    public static Change delete(String what, String note) {
        return new Change(Action.DELETE, what, null, null, false, note);
    }

    /** An action that changes no value of its own (a regeneration, a session reset). */
    public static Change run(String what, String note) {
        return new Change(Action.RUN, what, null, null, false, note);
    }

    private static Action actionOf(Object before, Object after) {
        return before == null ? Action.CREATE : after == null ? Action.DELETE : Action.UPDATE;
    }
}
