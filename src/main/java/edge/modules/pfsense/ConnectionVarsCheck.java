package edge.modules.pfsense;

import edge.core.Location;
import edge.core.Problem;
import edge.inventory.Host;
import edge.inventory.HostPattern;
import edge.inventory.Inventory;
import edge.module.ValidationContext;
import edge.playbook.Play;
import edge.playbook.Task;
import edge.template.Vars;
import java.util.ArrayList;
import java.util.List;

/**
 * The SSH connection variables of the hosts a pfSense task targets, checked at validate time with
 * the rules {@link SshHostVars} applies when it connects, so that {@code ansible_port: twenty-two}
 * is an error naming the file and line where it is set instead of a failure at run time.
 *
 * <p>Each host is checked once per playbook, by the first task of the modules listed in
 * this package that targets it, so a bad variable is reported once, not once per task.
 */
final class ConnectionVarsCheck {
    /** Every pfsense_* module connects over SSH, and its validation checks the connection variables. */
    static boolean connects(String module) {
        return module.startsWith("pfsense_");
    }

    private ConnectionVarsCheck() {
    }

    static List<Problem> validate(ValidationContext ctx) {
        List<Problem> problems = new ArrayList<>();
        for (String host : ctx.hosts()) {
            if (!isFirstCheckingTask(ctx, host)) {
                continue;
            }
            Vars vars = name -> ctx.var(host, name).map(v -> (Object) v).orElse(Vars.UNDEFINED);
            for (SshHostVars.InvalidVariable bad : SshHostVars.check(host, vars)) {
                problems.add(Problem.at(origin(ctx.inventory(), host, bad.variable()), bad.variable(),
                        "host " + host + ": " + bad.problem() + " (a connection variable: edge would fail to connect)"));
            }
        }
        return problems;
    }

    /** Whether the task being validated is the playbook's first checking task that targets {@code host}. */
    private static boolean isFirstCheckingTask(ValidationContext ctx, String host) {
        return firstCheckingTasks(ctx).get(host) == ctx.task();
    }

    /** Each host's first checking task in the playbook, worked out once per validation (hosts x tasks, not hosts x hosts x tasks). */
    private static java.util.Map<String, Task> firstCheckingTasks(ValidationContext ctx) {
        return ctx.memo("pfsense:first-connecting-task", () -> {
            java.util.Map<String, Task> first = new java.util.HashMap<>();
            for (Play play : ctx.playbook().plays()) {
                List<Task> tasks = new ArrayList<>(play.tasks());
                tasks.addAll(play.handlers());
                Task connecting = tasks.stream().filter(t -> connects(t.module())).findFirst().orElse(null);
                if (connecting == null) {
                    continue;
                }
                List<String> hosts;
                try {
                    hosts = HostPattern.parse(play.hosts()).resolve(ctx.inventory());
                } catch (IllegalArgumentException e) {
                    continue;
                }
                for (String h : hosts) {
                    first.putIfAbsent(h, connecting);
                }
            }
            return first;
        });
    }

    /** Where the inventory sets {@code var} for {@code host} (the definition that wins), else the host's entry. */
    static Location origin(Inventory inventory, String host, String var) {
        Location at = inventory.whereDefined(host, var);
        if (at != null) {
            return at;
        }
        Host h = inventory.host(host);
        return h != null ? h.definedAt() : Location.unknown(inventory.source().toString());
    }
}
