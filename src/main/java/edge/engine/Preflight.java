package edge.engine;

import edge.core.Problem;
import edge.core.Problems;
import edge.inventory.HostPattern;
import edge.inventory.Inventory;
import edge.module.Module;
import edge.module.RunResources;
import edge.module.ValidationContext;
import edge.playbook.Play;
import edge.playbook.Playbook;
import java.util.List;

/**
 * The checks that need both the inventory and the playbook: every play's host pattern (and
 * {@code --limit}) parses and each of its terms matches something. Run by {@code validate} and at the
 * start of every {@code run}, before anything is contacted.
 */
public final class Preflight {
    private Preflight() {
    }

    /** Host patterns, then every module's own {@link Module#validate} for each task. */
    public static List<Problem> check(Inventory inventory, Playbook playbook, String limit, ModuleRegistry modules,
                                      java.util.Map<String, Object> extraVars, edge.core.Redactor redactor, List<Problem> warnings) {
        List<Problem> problems = new java.util.ArrayList<>(check(inventory, playbook, limit));
        if (!problems.isEmpty()) {
            return problems;
        }
        problems.addAll(unresolvedLookups(inventory, playbook, limit, extraVars));
        RunOptions options = new RunOptions(false, false, 0, 1, limit, List.of(), List.of(), extraVars, false);
        Runner scopes = new Runner(inventory, playbook, modules, options, new RunListener() { }, redactor, new RunResources());
        java.util.Map<String, Object> memo = new java.util.HashMap<>();
        for (Play play : playbook.plays()) {
            List<String> hosts = HostPattern.parse(play.hosts()).resolve(inventory);
            List<edge.playbook.Task> all = new java.util.ArrayList<>(play.tasks());
            all.addAll(play.handlers());
            for (edge.playbook.Task task : all) {
                Module module = modules.find(task.module()).orElseThrow();
                problems.addAll(module.validate(new ValidationContext(task, play, playbook, inventory, hosts,
                        (p, h, extra) -> scopes.staticScope(p, h).with(extra),
                        scopes.templater(), warnings, memo)));
            }
        }
        return problems;
    }

    /**
     * Secrets read with {@code lookup('env'|'file', ...)} that the run would need and cannot resolve:
     * in the inventory variables of the hosts the plays run on (within --limit), and in the plays'
     * own vars and tasks. Better refused now than after the cluster was changed.
     */
    static List<Problem> unresolvedLookups(Inventory inventory, Playbook playbook, String limit, java.util.Map<String, Object> extraVars) {
        java.nio.file.Path base = playbook.dir();
        java.util.Set<String> limited = limit == null ? null : new java.util.HashSet<>(HostPattern.parse(limit).resolve(inventory));
        java.util.Set<String> reported = new java.util.HashSet<>();
        Problems problems = new Problems();
        for (Play play : playbook.plays()) {
            List<String> hosts = HostPattern.parse(play.hosts()).resolve(inventory).stream()
                    .filter(h -> limited == null || limited.contains(h)).toList();
            if (hosts.isEmpty()) {
                continue;
            }
            for (String host : hosts) {
                for (java.util.Map.Entry<String, Object> v : inventory.varsOf(host).entrySet()) {
                    if (extraVars.containsKey(v.getKey())) {
                        continue; // -e wins: the inventory's value is never rendered
                    }
                    for (String why : edge.template.UnresolvedLookups.in(v.getValue(), base)) {
                        edge.core.Location at = inventory.whereDefined(host, v.getKey());
                        if (reported.add(at + "|" + v.getKey() + "|" + why)) {
                            problems.add(at != null ? at : edge.core.Location.unknown(inventory.source().toString()), v.getKey(),
                                    why + " (needed for " + host + " by play '" + play.displayName() + "')");
                        }
                    }
                }
            }
            for (java.util.Map.Entry<String, Object> v : play.vars().entrySet()) {
                for (String why : edge.template.UnresolvedLookups.in(v.getValue(), base)) {
                    problems.add(play.at(), "vars." + v.getKey(), why);
                }
            }
            List<edge.playbook.Task> all = new java.util.ArrayList<>(play.tasks());
            all.addAll(play.handlers());
            for (edge.playbook.Task task : all) {
                for (String why : edge.template.UnresolvedLookups.in(List.of(task.args(), task.vars()), base)) {
                    problems.add(task.at(), task.module(), why);
                }
            }
        }
        return problems.list();
    }

    public static List<Problem> check(Inventory inventory, Playbook playbook, String limit) {
        Problems problems = new Problems();
        for (Play play : playbook.plays()) {
            try {
                HostPattern p = HostPattern.parse(play.hosts());
                for (String term : p.unmatchedTerms(inventory)) {
                    problems.add(play.hostsAt(), "hosts", "host pattern '" + term + "' matches no host or group of the inventory "
                            + inventory.source() + " (groups: " + String.join(", ", inventory.groups().keySet()) + ")");
                }
            } catch (IllegalArgumentException e) {
                problems.add(play.hostsAt(), "hosts", e.getMessage());
            }
        }
        if (limit != null) {
            try {
                HostPattern p = HostPattern.parse(limit);
                if (p.resolve(inventory).isEmpty()) {
                    problems.add(Problem.inFile("--limit", "'" + limit + "' matches no host of the inventory " + inventory.source()));
                }
            } catch (IllegalArgumentException e) {
                problems.add(Problem.inFile("--limit", e.getMessage()));
            }
        }
        return problems.list();
    }
}
