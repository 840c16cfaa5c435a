package edge.cli;

import edge.core.InputException;
import edge.modules.Modules;
import edge.playbook.Play;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code edge validate PLAYBOOK}: every check a run makes before contact, and nothing else. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a playbook and its inventory (YAML, schemas, modules, arguments, templates, host patterns) without contacting anything.")
final class ValidateCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Parameters(paramLabel = "PLAYBOOK", description = "the playbook, e.g. playbooks/site.yml")
    Path playbook;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        edge.core.Redactor redactor = new edge.core.Redactor();
        try {
            Workspace ws = Workspace.load(common, playbook, Modules.all(), redactor);
            ws.warnings().forEach(w -> spec.commandLine().getErr().println("WARNING: " + redactor.redact(w.format())));
            spec.commandLine().getErr().flush();
            int tasks = 0;
            for (Play p : ws.playbook().plays()) {
                tasks += p.tasks().size() + p.handlers().size();
            }
            spec.commandLine().getOut().println("OK: " + playbook + " is valid (" + ws.playbook().plays().size() + " plays, "
                    + tasks + " tasks; inventory " + ws.inventory().source() + " with " + ws.inventory().hosts().size() + " hosts)");
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        } catch (InputException e) {
            return Workspace.report(e, spec.commandLine().getErr(), redactor);
        }
    }
}
