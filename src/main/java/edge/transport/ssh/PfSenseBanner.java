package edge.transport.ssh;

/**
 * pfSense's {@code /etc/rc.initial} (the admin account's login shell) may print
 * {@code >>> Launching rc.local in background...} before it runs {@code sh -c <command>}, when
 * {@code /etc/rc.local} exists. That line would corrupt the JSON a command prints, so it is removed,
 * but only when it is the very first stdout line: nothing a command itself prints first starts with
 * that text, and anywhere else it is left alone.
 */
final class PfSenseBanner {
    static final String PREFIX = ">>> Launching rc.local in background...";

    private PfSenseBanner() {}

    static String strip(String stdout) {
        if (!stdout.startsWith(PREFIX)) {
            return stdout;
        }
        int nl = stdout.indexOf('\n');
        return nl < 0 ? "" : stdout.substring(nl + 1);
    }
}
