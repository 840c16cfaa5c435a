package edge.transport.ssh;

/**
 * Process-wide SSH counters, so a run or a benchmark can report e.g. "1 session, 2 commands".
 * Take a snapshot before and after and use {@link #minus(SshStats)}.
 *
 * @param sessionsOpened SSH sessions that completed authentication
 * @param commandsRun exec channels that were opened (whatever their outcome)
 */
public record SshStats(long sessionsOpened, long commandsRun) {
    public SshStats minus(SshStats earlier) {
        return new SshStats(sessionsOpened - earlier.sessionsOpened, commandsRun - earlier.commandsRun);
    }

    @Override
    public String toString() {
        return sessionsOpened + (sessionsOpened == 1 ? " session, " : " sessions, ")
                + commandsRun + (commandsRun == 1 ? " command" : " commands");
    }
}
