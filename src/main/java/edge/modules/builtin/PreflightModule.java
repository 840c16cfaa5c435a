package edge.modules.builtin;

import edge.core.Problem;
import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.TaskContext;
import edge.module.ValidationContext;
import edge.playbook.LoopItems;
import edge.template.TemplateException;
import edge.template.Templater;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code preflight}: an {@code assert} that is evaluated by {@code edge validate} and at the start of
 * every run, for every host of the play, before anything is contacted. Its conditions may use what
 * is known before the run: inventory, play vars, vars_files and extra vars (not facts). It is the
 * place for a site's own rules ("the pool must not overlap the nodes' network"). It is checked again,
 * like {@code assert}, when the task runs.
 */
public final class PreflightModule implements Module {
    private final AssertModule runtime = new AssertModule();

    @Override
    public String name() {
        return "preflight";
    }

    @Override
    public String schema() {
        return "modules/assert.json";
    }

    @Override
    public List<Problem> validate(ValidationContext ctx) {
        List<Problem> problems = new ArrayList<>();
        Object that = ctx.rawArgs().get("that");
        List<?> conditions = that instanceof List<?> l ? l : List.of(that);
        // run_once: the rule is checked once, for the play's first host, as the task would run (not once per host).
        List<String> hosts = ctx.task().runOnce() && !ctx.hosts().isEmpty() ? ctx.hosts().subList(0, 1) : ctx.hosts();
        for (String host : hosts) {
            List<Map<String, Object>> bindings;
            if (ctx.task().loop() == null) {
                bindings = List.of(Map.of());
            } else {
                try {
                    Object items = ctx.task().loop() instanceof String s
                            ? ctx.renderOrThrow(s, host, Map.of()) : ctx.renderOrThrow(ctx.task().loop(), host, Map.of());
                    bindings = LoopItems.bindings(ctx.task(), items);
                } catch (LoopItems.NotAList e) {
                    problems.add(Problem.at(ctx.task().at(), "loop", e.getMessage()));
                    return problems;
                } catch (TemplateException e) {
                    problems.add(Problem.at(ctx.task().at(), "loop", "cannot evaluate before the run: " + e.getMessage()));
                    return problems;
                }
            }
            for (Map<String, Object> binding : bindings) {
                for (int i = 0; i < conditions.size(); i++) {
                    Object c = conditions.get(i);
                    Object[] path = that instanceof List<?> ? new Object[] {"that", i} : new Object[] {"that"};
                    try {
                        boolean holds = c instanceof Boolean b ? b : Templater.truthy(ctx.evaluate(String.valueOf(c), host, binding));
                        if (!holds) {
                            Object msg = ctx.rawArgs().getOrDefault("fail_msg", ctx.rawArgs().get("msg"));
                            String text = msg == null ? "condition does not hold: " + c : renderMessage(ctx, msg, host, binding);
                            problems.add(ctx.problem("preflight check failed for " + host
                                    + (binding.isEmpty() ? "" : " (" + ctx.task().loopVar() + "=" + binding.get(ctx.task().loopVar()) + ")")
                                    + ": " + text, path));
                            return problems;
                        }
                    } catch (TemplateException e) {
                        problems.add(ctx.problem("preflight condition cannot be evaluated before the run for " + host + ": "
                                + e.getMessage() + " (preflight may only use inventory, play and extra vars)", path));
                        return problems;
                    }
                }
            }
        }
        return problems;
    }

    private static String renderMessage(ValidationContext ctx, Object msg, String host, Map<String, Object> binding) {
        try {
            return String.valueOf(ctx.renderOrThrow(msg, host, binding));
        } catch (TemplateException e) {
            return String.valueOf(msg);
        }
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        return runtime.plan(ctx);
    }
}
