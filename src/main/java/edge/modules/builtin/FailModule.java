package edge.modules.builtin;

import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.TaskContext;
import java.util.List;
import java.util.Optional;

/** {@code fail}: fails the host with a message (usually guarded by {@code when}). */
public final class FailModule implements Module {
    @Override
    public String name() {
        return "fail";
    }

    @Override
    public List<String> aliases() {
        return List.of("ansible.builtin.fail");
    }

    @Override
    public Optional<String> freeFormArgument() {
        return Optional.of("msg");
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        throw new ModuleException(ctx.stringArg("msg", "Failed as requested from task"));
    }
}
