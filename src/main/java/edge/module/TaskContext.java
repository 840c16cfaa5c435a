package edge.module;

import edge.core.Redactor;
import edge.template.Vars;
import java.nio.file.Path;
import java.util.Map;

/** What a module sees of the run while it plans and applies one task on one host. */
public interface TaskContext {

    /** The inventory name of the host the task runs for. */
    String host();

    /** The task's arguments, templated and validated against the module's schema. */
    Map<String, Object> args();

    /** The host's variables (inventory, play, facts, extra vars, magic variables). */
    Vars vars();

    /** Evaluates a bare Jinja expression in the host's scope ({@code debug: var=...}, {@code assert: that=...}). */
    Object evaluate(String expression) throws ModuleException;

    boolean checkMode();

    boolean diffMode();

    int verbosity();

    /** Objects shared by all tasks of this run (connections, API clients); closed when the run ends. */
    RunResources resources();

    Redactor redactor();

    /** The directory of the playbook being run: relative paths in arguments are relative to it. */
    Path playbookDir();

    /**
     * This host's transaction named {@code key} (created by {@code factory} on first use), committed by the
     * engine at the end of the play. See {@link Transaction}.
     */
    <T extends Transaction> T transaction(String key, java.util.function.Supplier<T> factory);

    /** A line shown with {@code -v} (and always in the log file). Redacted before it is shown. */
    void log(String message);

    /**
     * Where a long wait stands, in words ("BGP: 2/3 sessions Established (k8snode2: Active) (12 s of
     * 180 s)"). Call it on every poll: on a terminal it replaces one live line; in a log or under cron
     * it is printed at most every few seconds. Redacted before it is shown.
     */
    default void progress(String status) {
    }

    /** Waits in retry loops; interruptible so that Ctrl-C / SIGTERM stop the run promptly. */
    default void sleep(java.time.Duration d) throws ModuleException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModuleException("interrupted");
        }
    }

    @SuppressWarnings("unchecked")
    default <T> T arg(String name) {
        return (T) args().get(name);
    }

    /*
     * Typed reads of the arguments. The schema's defaults are already filled in (SchemaDefaults), so an
     * argument with a default in the schema is read without repeating it here.
     */

    /** An argument the schema gives a default (or requires). */
    default String stringArg(String name) {
        return stringArg(name, null);
    }

    default long longArg(String name) {
        return longArg(name, 0);
    }

    default boolean boolArg(String name) {
        return boolArg(name, false);
    }

    /** A number of seconds (an integer or decimal argument). */
    default java.time.Duration secondsArg(String name) {
        Object v = args().get(name);
        double s = v instanceof Number n ? n.doubleValue() : v == null ? 0 : Double.parseDouble(String.valueOf(v).strip());
        return java.time.Duration.ofMillis(Math.max(0, Math.round(s * 1000)));
    }

    default String stringArg(String name, String dflt) {
        Object v = args().get(name);
        return v == null ? dflt : String.valueOf(v);
    }

    default long longArg(String name, long dflt) {
        Object v = args().get(name);
        if (v == null) {
            return dflt;
        }
        return v instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(v).strip());
    }

    default boolean boolArg(String name, boolean dflt) {
        Object v = args().get(name);
        if (v == null) {
            return dflt;
        }
        return v instanceof Boolean b ? b : Boolean.parseBoolean(String.valueOf(v));
    }
}
