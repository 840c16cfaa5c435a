package edge.transport.ssh;

import java.util.Objects;

/**
 * What a remote command produced. Output is decoded as UTF-8 (malformed bytes become U+FFFD).
 *
 * @param exitStatus the command's exit status, or {@code -1} when the server sent none (the remote
 *     process was killed by a signal)
 * @param stdout standard output, without pfSense's leading {@code >>> Launching rc.local ...} line
 * @param stderr standard error
 */
public record ExecResult(int exitStatus, String stdout, String stderr) {
    public ExecResult {
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
    }

    public boolean succeeded() {
        return exitStatus == 0;
    }
}
