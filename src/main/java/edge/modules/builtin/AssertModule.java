package edge.modules.builtin;

import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.TaskContext;
import edge.template.Templater;
import java.util.List;
import java.util.Map;

/** {@code assert}: fails the host unless every expression in {@code that} holds. */
public final class AssertModule implements Module {
    @Override
    public String name() {
        return "assert";
    }

    @Override
    public List<String> aliases() {
        return List.of("ansible.builtin.assert");
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        Object that = ctx.args().get("that");
        List<?> conditions = that instanceof List<?> l ? l : List.of(that);
        for (Object c : conditions) {
            boolean holds = c instanceof Boolean b ? b : Templater.truthy(ctx.evaluate(String.valueOf(c)));
            if (!holds) {
                Object msg = ctx.args().getOrDefault("fail_msg", ctx.args().get("msg"));
                throw new ModuleException(msg != null ? String.valueOf(msg) : "Assertion failed: " + c,
                        Map.of("assertion", String.valueOf(c), "evaluated_to", false));
            }
        }
        Object ok = ctx.args().getOrDefault("success_msg", "All assertions passed");
        return Plan.noChange(Map.of("msg", ok));
    }
}
