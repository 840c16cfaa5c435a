package edge.engine;

import java.util.Map;

/**
 * How the run ended, and the exit code a shell or cron job sees. Ansible-compatible codes:
 * 0 success, 2 a host failed, 4 a host unreachable (6 both, as Ansible ORs them). With
 * {@code --detailed-exitcode}, a successful run that changed something (or in check mode would
 * change something) exits {@link #CHANGED} instead of 0.
 */
public record RunOutcome(int exitCode, int changedTasks, boolean anyFailed, boolean anyUnreachable) {
    public static final int OK = 0;
    public static final int HOST_FAILED = 2;
    public static final int HOST_UNREACHABLE = 4;
    public static final int CHANGED = 10;
    public static final int INTERRUPTED = 99;

    static RunOutcome interrupted(Map<String, HostStats> stats) {
        RunOutcome o = of(stats, false);
        return new RunOutcome(INTERRUPTED, o.changedTasks(), o.anyFailed(), o.anyUnreachable());
    }

    static RunOutcome of(Map<String, HostStats> stats, boolean detailed) {
        int changed = 0;
        boolean failed = false;
        boolean unreachable = false;
        for (HostStats s : stats.values()) {
            changed += s.changed;
            failed |= s.failed > 0;
            unreachable |= s.unreachable > 0;
        }
        int code = (failed ? HOST_FAILED : 0) | (unreachable ? HOST_UNREACHABLE : 0);
        if (code == 0 && detailed && changed > 0) {
            code = CHANGED;
        }
        return new RunOutcome(code, changed, failed, unreachable);
    }
}
