package edge.modules.pfsense;

import edge.core.Problem;
import edge.module.Change;
import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.TaskContext;
import edge.module.ValidationContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Common plan/apply of the FRR settings modules: plan against what config.xml will hold (read once
 * per run, plus what earlier tasks staged), stage the edits in the host's transaction on apply. The
 * engine commits the transaction once at the end of the play.
 *
 * <p>Values that pfSense's FRR package would write into frr.conf unchecked, or silently drop, are
 * refused by {@link #checkValues}: at validate time on what can be rendered before the run (literals,
 * inventory and play variables, env and file lookups), and again at run time on the rendered
 * arguments before the firewall is read or anything is staged.
 */
abstract class FrrConfigModule implements Module, ReadsConfigAhead {
    /** A problem with one argument: its path below the module key (names and list indexes), and what is wrong. */
    record ArgProblem(List<Object> path, String message) {
        static ArgProblem at(String message, Object... path) {
            return new ArgProblem(List.of(path), message);
        }

        /** The argument as users write it: {@code neighbors[0].description}. */
        String key() {
            StringBuilder key = new StringBuilder();
            for (Object p : path) {
                key.append(p instanceof Integer i ? "[" + i + "]" : (key.length() == 0 ? "" : ".") + p);
            }
            return key.toString();
        }
    }

    /**
     * The values among {@code args} (rendered; any may be missing) that pfSense's FRR package would
     * mishandle. Pure: reads nothing but the arguments.
     */
    abstract List<ArgProblem> checkValues(Map<String, Object> args);

    /** The diff for this task against {@code current}. */
    abstract FrrDiff.Result diff(TaskContext ctx, FrrSnapshot current) throws ModuleException;

    /** The task's result data (never secrets), given the configuration after this task. */
    abstract Map<String, Object> result(TaskContext ctx, FrrSnapshot after);

    @Override
    public List<Problem> validate(ValidationContext ctx) {
        List<Problem> problems = new ArrayList<>(ConnectionVarsCheck.validate(ctx));
        Map<String, Problem> unique = new LinkedHashMap<>();
        for (String host : ctx.hosts()) {
            // each argument on its own, so that one needing run-time facts does not hide the others
            Map<String, Object> rendered = new LinkedHashMap<>();
            ctx.rawArgs().forEach((name, raw) -> ctx.render(raw, host).ifPresent(v -> rendered.put(name, v)));
            for (ArgProblem p : checkValues(rendered)) {
                boolean templated = templated(ctx.rawArgs().get(p.path().get(0)));
                String message = p.message() + (templated ? " (its value after templating for " + host + ")" : "");
                unique.putIfAbsent(p.key() + ": " + p.message(), ctx.problem(message, p.path().toArray()));
            }
        }
        problems.addAll(unique.values());
        return problems;
    }

    private static boolean templated(Object raw) {
        return raw instanceof String s ? s.contains("{{") || s.contains("{%") : raw instanceof Map || raw instanceof List;
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        // values known only at run time (registered results, facts) get the same checks, before anything is read or staged
        List<ArgProblem> bad = checkValues(ctx.args());
        if (!bad.isEmpty()) {
            throw new ModuleException(bad.get(0).key() + ": " + bad.get(0).message());
        }
        PfSenseHost host = PfSenseHost.of(ctx);
        FrrSnapshot current = host.effective(ctx);
        refuseRawConfig(current);
        FrrDiff.Result diff;
        try {
            diff = diff(ctx, current);
        } catch (IllegalArgumentException e) {
            throw new ModuleException(e.getMessage());
        }
        Map<String, Object> result = new LinkedHashMap<>(result(ctx, current.with(diff.edits())));
        result.put("config_revision", current.revisionTime());
        // An earlier run wrote config.xml and was stopped before FRR was regenerated: the fields all
        // match now, so the regeneration itself is the change (planned by one task of the play).
        boolean regenerate = host.claimRegeneration(ctx);
        List<Change> changes = new ArrayList<>(diff.changes());
        if (regenerate) {
            changes.add(REGENERATE);
        }
        if (changes.isEmpty()) {
            return Plan.noChange(result);
        }
        if (ctx.checkMode()) {
            host.markPendingInCheckMode();
        }
        List<FrrEdit> edits = diff.edits();
        return Plan.of(changes, result, () -> {
            host.stage(ctx, edits, regenerate);
            return Map.of();
        });
    }

    /** The change a task shows when it takes on the regeneration edge's last write still owes. */
    static final Change REGENERATE = Change.run("regenerate FRR configuration (" + PfSenseHost.REGENERATE_REASON + ")",
            "frr_generate_config()");

    static void refuseRawConfig(FrrSnapshot s) throws ModuleException {
        if (!s.rawOverrides().isEmpty()) {
            throw new ModuleException("FRR raw configuration is set on this firewall (installedpackages/frrglobalraw: "
                    + String.join(", ", s.rawOverrides()) + "); it replaces what pfSense generates from the FRR settings,"
                    + " so edge's changes would have no effect. Clear it in Services > FRR Global/Zebra > Raw Config first");
        }
    }

    /** A whole number as the schema admits it (an integer, or a string of digits), else null (the schema reports it). */
    static Long wholeNumber(Object v) {
        if (v instanceof Number n && n.doubleValue() == n.longValue()) {
            return n.longValue();
        }
        String s = v == null ? "" : String.valueOf(v).strip();
        return s.matches("\\d{1,18}") ? Long.valueOf(s) : null;
    }

    /** Adds the rule's problem for {@code args[name]}, when the argument is there and is a whole number. */
    static void checkNumber(List<ArgProblem> out, Map<String, Object> args, String name,
                            java.util.function.LongFunction<Optional<String>> rule) {
        Long n = wholeNumber(args.get(name));
        if (n != null) {
            rule.apply(n).ifPresent(m -> out.add(ArgProblem.at(m, name)));
        }
    }

    /** Fields of a section as the result shows them: the managed ones, secrets left out. */
    static Map<String, Object> fields(Map<String, Object> section, List<String> names) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String n : names) {
            Object v = section.get(n);
            out.put(n, v == null ? "" : v);
        }
        return out;
    }
}
