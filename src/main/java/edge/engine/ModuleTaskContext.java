package edge.engine;

import edge.core.Redactor;
import edge.module.ModuleException;
import edge.module.RunResources;
import edge.module.TaskContext;
import edge.module.Transaction;
import edge.playbook.Task;
import edge.template.TemplateException;
import edge.template.Templater;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/** The module's view of the run, for one host and one task (see {@link TaskContext}). */
final class ModuleTaskContext implements TaskContext {
    /** What the run gives every task: the same for all hosts and tasks. */
    record Run(RunOptions options, RunListener listener, Redactor redactor, RunResources resources, Templater templater,
               Path playbookDir, Transactions transactions) {
    }

    private final Run run;
    private final String host;
    private final Map<String, Object> args;
    private final Scope scope;
    private final Task task;

    ModuleTaskContext(Run run, String host, Map<String, Object> args, Scope scope, Task task) {
        this.run = run;
        this.host = host;
        this.args = args;
        this.scope = scope;
        this.task = task;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public Map<String, Object> args() {
        return args;
    }

    @Override
    public edge.template.Vars vars() {
        return scope;
    }

    @Override
    public Object evaluate(String expression) throws ModuleException {
        try {
            return run.templater().evaluate(expression, scope);
        } catch (TemplateException | Templater.TemplateVarException e) {
            throw new ModuleException(e.getMessage());
        }
    }

    /** The task's own {@code check_mode:} wins over {@code --check}. */
    @Override
    public boolean checkMode() {
        return run.options().checkFor(task);
    }

    @Override
    public boolean diffMode() {
        return run.options().diffFor(task);
    }

    @Override
    public int verbosity() {
        return run.options().verbosity();
    }

    @Override
    public RunResources resources() {
        return run.resources();
    }

    @Override
    public Redactor redactor() {
        return run.redactor();
    }

    @Override
    public Path playbookDir() {
        return run.playbookDir();
    }

    @Override
    public <T extends Transaction> T transaction(String key, Supplier<T> factory) {
        return run.transactions().of(host, key, factory);
    }

    @Override
    public void log(String message) {
        run.listener().verbose(host, run.redactor().redact(message));
    }

    @Override
    public void progress(String status) {
        run.listener().progress(host, task, run.redactor().redact(status));
    }
}
