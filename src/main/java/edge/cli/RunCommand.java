package edge.cli;

import edge.core.InputException;
import edge.core.Redactor;
import edge.engine.RunListener;
import edge.engine.RunLock;
import edge.engine.RunOptions;
import edge.engine.RunOutcome;
import edge.engine.Runner;
import edge.module.RunResources;
import edge.modules.Modules;
import edge.output.ConsoleDisplay;
import edge.output.JsonReport;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code edge run PLAYBOOK}: validate everything, take the inventory's lock, then run the plays. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a playbook: check everything first, then bring every host to the declared state.")
final class RunCommand implements Callable<Integer> {

    enum ColorMode { auto, always, never }

    @Mixin
    CommonOptions common;

    @Parameters(paramLabel = "PLAYBOOK", description = "the playbook, e.g. playbooks/site.yml")
    Path playbook;

    @Option(names = {"-C", "--check"}, description = "plan only: report what would change, change nothing")
    boolean check;

    @Option(names = {"-D", "--diff"}, description = "show the changes (secrets masked)")
    boolean diff;

    @Option(names = {"-t", "--tags"}, split = ",", paramLabel = "TAGS", description = "only tasks with these tags")
    List<String> tags = new ArrayList<>();

    @Option(names = "--skip-tags", split = ",", paramLabel = "TAGS", description = "skip tasks with these tags")
    List<String> skipTags = new ArrayList<>();

    @Option(names = {"-f", "--forks"}, defaultValue = "5", paramLabel = "N", description = "hosts in parallel (default: ${DEFAULT-VALUE})")
    int forks;

    @Option(names = "-v", description = "verbose: show results (repeat for more)")
    boolean[] verbose = new boolean[0];

    @Option(names = "--log-file", paramLabel = "FILE", description = "append the output, with timestamps, to FILE")
    Path logFile;

    @Option(names = "--json", paramLabel = "FILE", description = "write a machine-readable report of the run to FILE")
    Path jsonReport;

    @Option(names = "--detailed-exitcode", description = "exit 10 instead of 0 when something changed (or would change with --check)")
    boolean detailedExitCode;

    @Option(names = "--color", defaultValue = "auto", paramLabel = "WHEN", description = "auto (a terminal and NO_COLOR unset), always, never")
    ColorMode color;

    @Option(names = "--lock-file", paramLabel = "FILE", description = "lock file (default: one per inventory in $XDG_RUNTIME_DIR or the temp dir)")
    Path lockFile;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (forks < 1 || forks > 200) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--forks must be between 1 and 200, not " + forks);
        }
        Redactor redactor = new Redactor();
        JsonReport report = jsonReport == null ? null : new JsonReport(jsonReport, redactor, header());
        Workspace ws;
        try {
            ws = Workspace.load(common, playbook, Modules.all(), redactor);
        } catch (InputException e) {
            if (report != null) {
                report.writeFailure(ExitCodes.INVALID_INPUT, e.problems().stream().map(p -> redactor.redact(p.format())).toList());
            }
            return Workspace.report(e, spec.commandLine().getErr(), redactor);
        }
        Path lockPath = lockFile != null ? lockFile : RunLock.lockFileFor(common.inventory);
        try (RunLock lock = RunLock.acquire(lockPath, "edge run " + playbook);
             PrintStream log = logFile == null ? null : new PrintStream(new FileOutputStream(logFile.toFile(), true), true, StandardCharsets.UTF_8);
             RunResources resources = new RunResources()) {
            List<RunListener> listeners = new ArrayList<>();
            // A live progress line only on an interactive terminal: cron mail and pipes get plain lines.
            listeners.add(new ConsoleDisplay(System.out, useColor(), verbose.length, diff, false, redactor, System.console() != null));
            if (log != null) {
                listeners.add(new ConsoleDisplay(log, false, Math.max(1, verbose.length), diff, true, redactor));
            }
            if (report != null) {
                listeners.add(report);
            }
            RunListener all = RunListener.all(listeners);
            // Validation warnings are about the files, not this run: `edge validate` always shows them; a run (often
            // cron's) only with -v, so that a setting kept on purpose does not fill every cron mail.
            if (verbose.length > 0) {
                ws.warnings().forEach(w -> all.warning(w.format()));
            }
            RunOptions options = new RunOptions(check, diff, verbose.length, forks, common.limit, tags, skipTags,
                    ws.extraVars(), detailedExitCode);
            Runner runner = new Runner(ws.inventory(), ws.playbook(), Modules.all(), options,
                    all, redactor, resources);
            Thread main = Thread.currentThread();
            Thread hook = new Thread(() -> {
                // SIGTERM / Ctrl-C: stop starting new work, let the current step finish its atomic write.
                Main.shuttingDown = true;
                main.interrupt();
                try {
                    main.join((edge.engine.Runner.FINISH_RUNNING_SECONDS + 10) * 1000);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            RunOutcome outcome = runner.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                return ExitCodes.INTERRUPTED;
            }
            if (outcome.exitCode() == RunOutcome.INTERRUPTED) {
                spec.commandLine().getErr().println("edge: interrupted; the steps that were running finished, nothing else was started");
            }
            return outcome.exitCode();
        } catch (RunLock.HeldException e) {
            spec.commandLine().getErr().println("edge: " + e.getMessage());
            if (report != null) {
                report.writeFailure(ExitCodes.LOCKED, List.of(e.getMessage()));
            }
            return ExitCodes.LOCKED;
        } catch (IOException e) {
            spec.commandLine().getErr().println("edge: " + e.getMessage());
            return ExitCodes.ERROR;
        }
    }

    private Map<String, Object> header() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("playbook", playbook.toString());
        h.put("inventory", common.inventory.toString());
        h.put("check_mode", check);
        h.put("limit", common.limit);
        return h;
    }

    private boolean useColor() {
        return switch (color) {
            case always -> true;
            case never -> false;
            case auto -> System.console() != null && System.getenv("NO_COLOR") == null && !"dumb".equals(System.getenv("TERM"));
        };
    }
}
