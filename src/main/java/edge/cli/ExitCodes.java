package edge.cli;

/**
 * The exit codes edge documents (README, "Exit codes"). Compatible with ansible-playbook where it has
 * one (2 failed, 4 unreachable, 5 bad options, 99 interrupted, 250 internal error).
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int ERROR = 1;
    public static final int HOST_FAILED = 2;
    public static final int INVALID_INPUT = 3;
    public static final int HOST_UNREACHABLE = 4;
    public static final int USAGE = 5;
    public static final int LOCKED = 7;
    public static final int CHANGED = 10;
    public static final int INTERRUPTED = 99;
    public static final int INTERNAL = 250;

    private ExitCodes() {
    }
}
