package edge.cli;

/**
 * The jar's entry point: hands the command to a faster child JVM when it can ({@link FastStart}),
 * else runs {@link Main} here. Kept apart from Main so that the JVM that only waits for the child never
 * loads (and verifies) the command-line classes.
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        if (args.length == 1 && ("--version".equals(args[0]) || "-V".equals(args[0]))) {
            // what picocli would print, without loading it: a version check (monitoring, a cron wrapper) is instant
            for (String line : version()) {
                System.out.println(line);
            }
            return;
        }
        int delegated = FastStart.delegate(args);
        if (delegated >= 0) {
            System.exit(delegated);
        }
        Main.main(args);
    }

    /** The version lines of {@code edge --version}: edge's (from the jar's manifest) and Java's. */
    static String[] version() {
        String v = Launcher.class.getPackage().getImplementationVersion();
        return new String[] {"edge ".concat(v == null ? "dev" : v), "Java ".concat(System.getProperty("java.version"))};
    }
}
