package edge.engine;

/**
 * One field-level change a plan will make: {@code path} (for people, e.g.
 * {@code frrbgp.asnum} or {@code IPAddressPool metallb-system/pool spec.addresses}), the value
 * before (null when created) and after (null when removed). Secret values are masked in every diff.
 */
public record Change(String path, Object before, Object after, boolean secret) {

    public static Change of(String path, Object before, Object after) {
        return new Change(path, before, after, false);
    }

    public static Change secret(String path, Object before, Object after) {
        return new Change(path, before, after, true);
    }

    public static Change created(String path, Object after) {
        return new Change(path, null, after, false);
    }

    public static Change removed(String path, Object before) {
        return new Change(path, before, null, false);
    }
}
