package edge.modules.builtin;

import edge.module.Module;
import edge.module.Plan;
import edge.module.TaskContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code set_fact}: sets host variables for the rest of the run (above play vars, below extra vars). */
public final class SetFactModule implements Module {
    @Override
    public String name() {
        return "set_fact";
    }

    @Override
    public List<String> aliases() {
        return List.of("ansible.builtin.set_fact");
    }

    @Override
    public Plan plan(TaskContext ctx) {
        Map<String, Object> facts = new LinkedHashMap<>(ctx.args());
        facts.remove("cacheable");
        return Plan.noChange(Map.of("ansible_facts", facts));
    }
}
