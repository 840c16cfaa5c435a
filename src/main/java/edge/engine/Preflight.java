package edge.engine;

import edge.core.Problem;
import edge.core.Problems;
import edge.inventory.HostPattern;
import edge.inventory.Inventory;
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
                                      java.util.Map<String, Object> extraVars, edge.core.Redactor redactor) {
        List<Problem> problems = new java.util.ArrayList<>(check(inventory, playbook, limit));
        if (!problems.isEmpty()) {
            return problems;
        }
        RunOptions options = new RunOptions(false, false, 0, 1, limit, List.of(), List.of(), extraVars, false);
        Runner scopes = new Runner(inventory, playbook, modules, options, new RunListener() { }, redactor, new RunResources());
        for (Play play : playbook.plays()) {
            List<String> hosts = HostPattern.parse(play.hosts()).resolve(inventory);
            List<edge.playbook.Task> all = new java.util.ArrayList<>(play.tasks());
            all.addAll(play.handlers());
            for (edge.playbook.Task task : all) {
                Module module = modules.find(task.module()).orElseThrow();
                problems.addAll(module.validate(new ValidationContext(task, play, playbook, inventory, hosts, scopes,
                        scopes.templater())));
            }
        }
        return problems;
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
