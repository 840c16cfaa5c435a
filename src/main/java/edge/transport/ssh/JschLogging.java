package edge.transport.ssh;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Forwards JSch's log to java.util.logging at FINE or below, whatever JSch's own level. JSch logs
 * things like "Permanently added ... to the list of known hosts" at WARN; at WARNING, JUL's default
 * console handler would print them on stderr, which a CLI run from cron must not do. Operators
 * get our one-line {@link SshException} messages instead; JSch's detail is there for debugging
 * with logging configured to FINE for {@code com.jcraft.jsch}.
 */
final class JschLogging implements com.jcraft.jsch.Logger {
    static final JschLogging INSTANCE = new JschLogging();

    private static final Logger LOG = Logger.getLogger("com.jcraft.jsch");

    private JschLogging() {}

    /**
     * Makes JSch's static logger ours too (some key parsing code logs through it). JSch's default is
     * to log nothing; this keeps it silent on the console while making it available at FINE.
     */
    static void install() {
        com.jcraft.jsch.JSch.setLogger(INSTANCE);
    }

    @Override
    public boolean isEnabled(int level) {
        return LOG.isLoggable(toJul(level));
    }

    @Override
    public void log(int level, String message) {
        LOG.log(toJul(level), message);
    }

    @Override
    public void log(int level, String message, Throwable cause) {
        LOG.log(toJul(level), message, cause);
    }

    private static Level toJul(int level) {
        switch (level) {
            case com.jcraft.jsch.Logger.DEBUG:
                return Level.FINEST;
            case com.jcraft.jsch.Logger.INFO:
                return Level.FINER;
            default:
                return Level.FINE;
        }
    }
}
