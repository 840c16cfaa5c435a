package edge.module;

import edge.core.Location;
import edge.core.Problem;
import edge.inventory.Inventory;
import edge.playbook.Play;
import edge.playbook.Playbook;
import edge.playbook.Task;
import edge.template.TemplateException;
import edge.template.Templater;
import edge.yaml.SourceMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a module sees when it checks a task before anything runs (see {@link Module#validate}): the task,
 * its play and the whole playbook, the play's hosts, and a renderer that evaluates templates with what is
 * known before the run (inventory, play vars, extra vars), so that values such as a pool CIDR or a peer
 * address can be checked at validate time. Values that depend on facts are simply not checked here.
 */
public final class ValidationContext {
    private final Task task;
    private final Play play;
    private final Playbook playbook;
    private final Inventory inventory;
    private final List<String> hosts;
    private final StaticVars scopes;
    private final Templater templater;

    /** A host's variables as known before the run (inventory, play vars, extra vars), with extra bindings on top. */
    public interface StaticVars {
        edge.template.Vars of(Play play, String host, Map<String, Object> extra);
    }

    private final List<Problem> warnings;
    private final Map<String, Object> memo;

    /**
     * @param warnings where {@link #warn} collects, shared by the validation's tasks
     * @param memo what {@link #memo} keeps, shared by the validation's tasks
     */
    public ValidationContext(Task task, Play play, Playbook playbook, Inventory inventory, List<String> hosts, StaticVars scopes,
                             Templater templater, List<Problem> warnings, Map<String, Object> memo) {
        this.task = task;
        this.play = play;
        this.playbook = playbook;
        this.inventory = inventory;
        this.hosts = hosts;
        this.scopes = scopes;
        this.templater = templater;
        this.warnings = warnings;
        this.memo = memo;
    }

    /**
     * A value computed once per validation of a playbook, whichever task asks first: what several tasks
     * read alike (e.g. the CRD schemas of the playbook's manifests). {@code key} names it and what it
     * depends on besides the playbook and inventory.
     */
    @SuppressWarnings("unchecked")
    public <T> T memo(String key, java.util.function.Supplier<T> compute) {
        synchronized (memo) {
            Object known = memo.get(key);
            if (known == null) {
                known = compute.get();
                memo.put(key, known);
            }
            return (T) known;
        }
    }

    /**
     * Something the user should know that does not stop the run (a setting that has no effect):
     * {@code edge validate} prints it, and every run shows it as a warning before it starts.
     */
    public void warn(Problem warning) {
        synchronized (warnings) {
            if (!warnings.contains(warning)) {
                warnings.add(warning);
            }
        }
    }

    public Task task() {
        return task;
    }

    public Play play() {
        return play;
    }

    public Playbook playbook() {
        return playbook;
    }

    public Inventory inventory() {
        return inventory;
    }

    /** The hosts the play targets (before --limit). */
    public List<String> hosts() {
        return hosts;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> rawArgs() {
        return task.args() instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** Where an argument (a path of keys and list indexes below the module key) is written. */
    public Location at(Object... argPath) {
        String pointer = SourceMap.child(task.pointer(), task.module());
        for (Object p : argPath) {
            pointer = p instanceof Integer i ? SourceMap.child(pointer, i) : SourceMap.child(pointer, String.valueOf(p));
        }
        return task.sources().locateValue(pointer);
    }

    public Problem problem(String message, Object... argPath) {
        StringBuilder key = new StringBuilder();
        for (Object p : argPath) {
            if (p instanceof Integer i) {
                key.append('[').append(i).append(']');
            } else {
                key.append(key.length() == 0 ? "" : ".").append(p);
            }
        }
        if (key.length() == 0) {
            key.append(task.module());
        }
        return Problem.at(at(argPath), key.toString(), message);
    }

    /** The value rendered for {@code host} with what is known before the run, or empty if it needs more. */
    public Optional<Object> render(Object raw, String host) {
        try {
            return Optional.ofNullable(templater.render(raw, scopes.of(play, host, Map.of())));
        } catch (TemplateException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Evaluates a bare expression for {@code host} with what is known before the run, plus {@code extra}
     * bindings (a loop item). Throws when it cannot (undefined variable, syntax).
     */
    public Object evaluate(String expression, String host, Map<String, Object> extra) throws TemplateException {
        try {
            return templater.evaluate(expression, scopes.of(play, host, extra));
        } catch (Templater.TemplateVarException e) {
            throw new TemplateException(e.getMessage());
        }
    }

    /** Renders {@code raw} for {@code host} with {@code extra} bindings; throws when it cannot. */
    public Object renderOrThrow(Object raw, String host, Map<String, Object> extra) throws TemplateException {
        try {
            return templater.render(raw, scopes.of(play, host, extra));
        } catch (Templater.TemplateVarException e) {
            throw new TemplateException(e.getMessage());
        }
    }

    /** A host variable as known before the run (inventory, play vars, extra vars), or empty. */
    public Optional<Object> var(String host, String name) {
        Object v;
        try {
            v = scopes.of(play, host, Map.of()).get(name);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        return v == edge.template.Vars.UNDEFINED ? Optional.empty() : Optional.ofNullable(v);
    }
}
