package edge.cli;

import edge.core.InputException;
import edge.core.Json;
import edge.core.Redactor;
import edge.inventory.Group;
import edge.inventory.Inventory;
import edge.inventory.InventoryLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code edge inventory --list | --graph | --host NAME}, like ansible-inventory. Secret-named values are masked. */
@Command(name = "inventory", mixinStandardHelpOptions = true, description = "Show the inventory as edge reads it.")
final class InventoryCommand implements Callable<Integer> {
    @Option(names = {"-i", "--inventory"}, paramLabel = "FILE|DIR", defaultValue = "inventory",
            description = "inventory file or directory (default: ${DEFAULT-VALUE})")
    Path inventory;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = "--list", description = "all groups and hosts with their variables, as JSON")
        boolean list;

        @Option(names = "--graph", description = "the group tree")
        boolean graph;

        @Option(names = "--host", paramLabel = "NAME", description = "the variables of one host, as JSON")
        String host;
    }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Inventory inv;
        try {
            inv = InventoryLoader.load(inventory);
        } catch (InputException e) {
            return Workspace.report(e, spec.commandLine().getErr(), new Redactor());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (action.graph) {
            graph(inv, "all", 0, out);
        } else if (action.host != null) {
            if (!inv.hasHost(action.host)) {
                spec.commandLine().getErr().println("edge: host '" + action.host + "' is not in the inventory " + inventory);
                return ExitCodes.INVALID_INPUT;
            }
            out.println(Json.pretty(masked(inv.varsOf(action.host))));
        } else {
            Map<String, Object> doc = new LinkedHashMap<>();
            Map<String, Object> hostvars = new LinkedHashMap<>();
            for (String h : inv.hosts().keySet()) {
                hostvars.put(h, masked(inv.varsOf(h)));
            }
            doc.put("_meta", Map.of("hostvars", hostvars));
            for (Group g : inv.groups().values()) {
                Map<String, Object> gm = new LinkedHashMap<>();
                if (!g.children().isEmpty()) {
                    gm.put("children", g.children());
                }
                if (!g.hosts().isEmpty()) {
                    gm.put("hosts", g.hosts());
                }
                doc.put(g.name(), gm);
            }
            out.println(Json.pretty(doc));
        }
        out.flush();
        return ExitCodes.OK;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> masked(Map<String, Object> vars) {
        return (Map<String, Object>) Redactor.maskSecretKeys(vars);
    }

    private static void graph(Inventory inv, String group, int depth, PrintWriter out) {
        // ansible-inventory --graph's layout: "@all:", then "  |--@child:" and "  |  |--host" one level down
        out.println(depth == 0 ? "@" + group + ":" : "  |".repeat(depth) + "--@" + group + ":");
        Group g = inv.groups().get(group);
        if (g == null) {
            return;
        }
        for (String child : g.children()) {
            graph(inv, child, depth + 1, out);
        }
        for (String h : g.hosts()) {
            out.println("  |".repeat(depth + 1) + "--" + h);
        }
    }

}
