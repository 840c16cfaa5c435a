package edge.modules.pfsense;

import edge.core.InputException;
import edge.core.Location;
import edge.core.Problem;
import edge.engine.ValidationContext;
import edge.inventory.HostPattern;
import edge.inventory.Host;
import edge.inventory.Inventory;
import edge.playbook.Play;
import edge.playbook.Task;
import edge.template.Vars;
import edge.yaml.SourceMap;
import edge.yaml.YamlDocument;
import edge.yaml.YamlLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The SSH connection variables of the hosts a pfSense task targets, checked at validate time with
 * the rules {@link SshHostVars} applies when it connects, so that {@code ansible_port: twenty-two}
 * is an error naming the file and line where it is set instead of a failure at run time.
 *
 * <p>Each host is checked once per playbook, by the first task of the modules listed in
 * {@link #CHECKING_MODULES} that targets it, so a bad variable is reported once, not once per task.
 */
final class ConnectionVarsCheck {
    /** The modules whose validation checks connection variables (those of this package that connect over SSH). */
    static final Set<String> CHECKING_MODULES = Set.of("pfsense_package", "pfsense_frr_global", "pfsense_frr_bgp",
            "pfsense_frr_bgp_advanced", "pfsense_frr_bgp_neighbors");

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
        for (Play play : ctx.playbook().plays()) {
            List<Task> tasks = new ArrayList<>(play.tasks());
            tasks.addAll(play.handlers());
            boolean targets;
            try {
                targets = HostPattern.parse(play.hosts()).resolve(ctx.inventory()).contains(host);
            } catch (IllegalArgumentException e) {
                targets = false;
            }
            for (Task t : tasks) {
                if (targets && CHECKING_MODULES.contains(t.module())) {
                    return t == ctx.task();
                }
            }
        }
        return false;
    }

    /**
     * Where the inventory sets {@code var} for {@code host}: the highest-precedence definition whose
     * value is the one the host gets (host_vars, the host's entry, group_vars, a group's vars), else
     * the host's entry. Best effort: the inventory keeps values, not their locations.
     */
    static Location origin(Inventory inventory, String host, String var) {
        Object effective = inventory.varsOf(host).get(var);
        List<Candidate> candidates = new ArrayList<>();
        Path source = inventory.source();
        Path base = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
        candidates.addAll(varsFiles(base.resolve("host_vars"), host, var));
        List<YamlDocument> inventoryFiles = inventoryFiles(source);
        for (YamlDocument doc : reversed(inventoryFiles)) {
            find(doc, doc.root(), "", var, host, true, candidates);
        }
        List<String> groups = new ArrayList<>(inventory.groupNames(host));
        Collections.reverse(groups);
        groups.add("all");
        for (String g : groups) {
            candidates.addAll(varsFiles(base.resolve("group_vars"), g, var));
        }
        for (String g : groups) {
            for (YamlDocument doc : reversed(inventoryFiles)) {
                find(doc, doc.root(), "", var, g, false, candidates);
            }
        }
        for (Candidate c : candidates) {
            if (Objects.equals(c.value(), effective)) {
                return c.at();
            }
        }
        if (!candidates.isEmpty()) {
            return candidates.get(0).at();
        }
        Host h = inventory.host(host);
        return h != null ? h.definedAt() : Location.unknown(source.toString());
    }

    private record Candidate(Location at, Object value) {
    }

    /** {@code dir/NAME.yml|.yaml|.json|NAME} or the files of {@code dir/NAME/}, later files first. */
    private static List<Candidate> varsFiles(Path dir, String name, String var) {
        List<Path> files = new ArrayList<>();
        Path sub = dir.resolve(name);
        if (Files.isDirectory(sub)) {
            try (Stream<Path> list = Files.list(sub)) {
                list.filter(Files::isRegularFile).sorted().forEach(files::add);
            } catch (IOException e) {
                return List.of();
            }
            Collections.reverse(files);
        } else {
            for (String ext : List.of("", ".yml", ".yaml", ".json")) {
                if (Files.isRegularFile(dir.resolve(name + ext))) {
                    files.add(dir.resolve(name + ext));
                }
            }
        }
        List<Candidate> out = new ArrayList<>();
        for (Path f : files) {
            try {
                YamlDocument doc = YamlLoader.loadFile(f);
                if (doc.root() instanceof Map<?, ?> m && m.containsKey(var)) {
                    out.add(new Candidate(doc.locate(SourceMap.child("", var)), m.get(var)));
                }
            } catch (InputException e) {
                // the loader reported this file already
            }
        }
        return out;
    }

    private static List<YamlDocument> inventoryFiles(Path source) {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(source)) {
            try (Stream<Path> list = Files.list(source)) {
                list.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().matches(".*\\.ya?ml"))
                        .sorted().forEach(files::add);
            } catch (IOException e) {
                return List.of();
            }
        } else {
            files.add(source);
        }
        List<YamlDocument> docs = new ArrayList<>();
        for (Path f : files) {
            try {
                docs.add(YamlLoader.loadFile(f));
            } catch (InputException e) {
                // the loader reported this file already
            }
        }
        return docs;
    }

    /**
     * Walks an inventory file's groups for {@code hosts: {NAME: {var: ...}}} (forHost) or
     * {@code NAME: {vars: {var: ...}}} (a group's vars), collecting the later definitions first.
     */
    private static void find(YamlDocument doc, Object node, String pointer, String var, String name, boolean forHost,
                             List<Candidate> out) {
        if (!(node instanceof Map<?, ?> groups)) {
            return;
        }
        List<Candidate> found = new ArrayList<>();
        for (Map.Entry<?, ?> g : groups.entrySet()) {
            if (!(g.getValue() instanceof Map<?, ?> body)) {
                continue;
            }
            String groupPointer = SourceMap.child(pointer, String.valueOf(g.getKey()));
            Map<?, ?> holder = forHost
                    ? (body.get("hosts") instanceof Map<?, ?> hosts && hosts.get(name) instanceof Map<?, ?> hv ? hv : null)
                    : (name.equals(g.getKey()) && body.get("vars") instanceof Map<?, ?> gv ? gv : null);
            if (holder != null && holder.containsKey(var)) {
                String at = forHost ? SourceMap.child(SourceMap.child(SourceMap.child(groupPointer, "hosts"), name), var)
                        : SourceMap.child(SourceMap.child(groupPointer, "vars"), var);
                found.add(new Candidate(doc.locate(at), holder.get(var)));
            }
            List<Candidate> deeper = new ArrayList<>();
            find(doc, body.get("children"), SourceMap.child(groupPointer, "children"), var, name, forHost, deeper);
            found.addAll(deeper);
        }
        out.addAll(reversed(found));
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }
}
