package edge.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code java -jar edge.jar run playbooks/site.yml}. */
@Command(name = "edge", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Configures MetalLB on Kubernetes and FRR/BGP on pfSense from an Ansible-style inventory and playbook.",
        footer = {"", "Exit codes: 0 ok, 2 a host failed, 3 invalid input (nothing was contacted), 4 a host unreachable,",
                "5 bad command line, 6 failed and unreachable, 7 another run holds the lock,",
                "10 changes made or pending (with --detailed-exitcode), 99 interrupted, 250 internal error."})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: run, validate or inventory");
    }

    /** Set by the SIGTERM/Ctrl-C hook: System.exit must not be called then (it would block the hook forever). */
    static volatile boolean shuttingDown;

    /** Runs edge in this JVM (the jar's entry point is {@link Launcher}). */
    public static void main(String[] args) {
        int code = execute(args);
        if (!shuttingDown) {
            System.exit(code);
        }
    }

    /** Runs the CLI and returns the exit code (tests call this directly). */
    public static int execute(String... args) {
        quietLogging();
        CommandLine cl = withCommands(new CommandLine(new Main()), args.length > 0 ? args[0] : null);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Logger.getLogger("edge").log(Level.SEVERE, "internal error", ex);
            commandLine.getErr().println("edge: internal error: " + ex
                    + " (this is a bug in edge; run with --log-file to record the details)");
            return ExitCodes.INTERNAL;
        });
        cl.setParameterExceptionHandler((ex, strings) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("edge: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            return ExitCodes.USAGE;
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl.execute(args);
    }

    /**
     * The subcommands, in the order help lists them. Picocli reads each one's annotations when it is
     * added (25 ms of every start for all of them), so a command line that names one gets only that one;
     * anything else (help, no command, an unknown one) gets all.
     */
    private static CommandLine withCommands(CommandLine cl, String first) {
        Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
        commands.put("run", RunCommand::new);
        commands.put("validate", ValidateCommand::new);
        commands.put("inventory", InventoryCommand::new);
        commands.put("help", CommandLine.HelpCommand::new);
        boolean one = first != null && !"help".equals(first) && commands.containsKey(first);
        commands.forEach((name, command) -> {
            if (!one || name.equals(first)) {
                cl.addSubcommand(name, command.get());
            }
        });
        return cl;
    }

    /** No library may print to the terminal: internal logs go only to --log-file. */
    static void quietLogging() {
        LogManager.getLogManager().reset();
        Logger.getLogger("").setLevel(Level.INFO);
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return Launcher.version();
        }
    }
}
