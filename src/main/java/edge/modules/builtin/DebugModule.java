package edge.modules.builtin;

import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.TaskContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code debug}: prints a message ({@code msg}) or a variable/expression ({@code var}). Changes nothing. */
public final class DebugModule implements Module {
    @Override
    public String name() {
        return "debug";
    }

    @Override
    public List<String> aliases() {
        return List.of("ansible.builtin.debug");
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        Map<String, Object> result = new LinkedHashMap<>();
        if (ctx.args().containsKey("var")) {
            String var = String.valueOf(ctx.args().get("var"));
            result.put(var, ctx.evaluate(var));
        } else {
            result.put("msg", ctx.args().getOrDefault("msg", "Hello world!"));
        }
        return Plan.noChange(result);
    }
}
