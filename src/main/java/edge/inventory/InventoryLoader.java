package edge.inventory;

import edge.core.InputException;
import edge.core.Location;
import edge.core.Problem;
import edge.core.Problems;
import edge.schema.SchemaValidator;
import edge.yaml.SourceMap;
import edge.yaml.YamlDocument;
import edge.yaml.YamlLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads an Ansible YAML inventory: a file, or a directory of {@code *.yml|*.yaml} files, plus the
 * {@code group_vars/} and {@code host_vars/} beside it (each entry a file or a directory of files).
 * Everything is checked against {@code schemas/inventory.schema.json}; all problems are reported at once.
 */
public final class InventoryLoader {
    private static final SchemaValidator SCHEMA = SchemaValidator.forResource("inventory.schema.json");

    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final Map<String, GroupBuilder> groups = new LinkedHashMap<>();
    private final Problems problems = new Problems();
    /** Where each variable was written: owner (group or host) -> variable -> location, per level of precedence. */
    private final Map<String, Map<String, Location>> groupVarsAt = new LinkedHashMap<>();
    private final Map<String, Map<String, Location>> hostVarsAt = new LinkedHashMap<>();
    private final Map<String, Map<String, Location>> groupVarsFilesAt = new LinkedHashMap<>();
    private final Map<String, Map<String, Location>> hostVarsFilesAt = new LinkedHashMap<>();

    private static final class GroupBuilder {
        final String name;
        final List<String> hosts = new ArrayList<>();
        final List<String> children = new ArrayList<>();
        final Map<String, Object> vars = new LinkedHashMap<>();
        Location at;

        GroupBuilder(String name, Location at) {
            this.name = name;
            this.at = at;
        }
    }

    private InventoryLoader() {
    }

    public static Inventory load(Path source) throws InputException {
        return new InventoryLoader().read(source);
    }

    private Inventory read(Path source) throws InputException {
        if (!Files.exists(source)) {
            throw new InputException(Problem.inFile(source.toString(),
                    "inventory not found; pass -i FILE|DIR or create inventory/hosts.yml"));
        }
        Path varsBase;
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(source)) {
            varsBase = source;
            try (Stream<Path> list = Files.list(source)) {
                list.filter(p -> Files.isRegularFile(p) && isYamlName(p.getFileName().toString()))
                        .sorted().forEach(files::add);
            } catch (IOException e) {
                throw new InputException(Problem.inFile(source.toString(), "cannot list directory: " + e.getMessage()));
            }
            if (files.isEmpty()) {
                throw new InputException(Problem.inFile(source.toString(),
                        "no inventory file (*.yml, *.yaml) in this directory"));
            }
        } else {
            varsBase = source.toAbsolutePath().getParent();
            files.add(source);
        }
        group("all", Location.unknown(source.toString()));
        for (Path file : files) {
            readFile(file);
        }
        findCycles();
        Map<String, Map<String, Object>> groupVars = readVarsDir(varsBase.resolve("group_vars"), groupVarsFilesAt);
        Map<String, Map<String, Object>> hostVars = readVarsDir(varsBase.resolve("host_vars"), hostVarsFilesAt);
        problems.throwIfAny();
        // Hosts that are in no group but 'all' form 'ungrouped', as in Ansible.
        GroupBuilder ungrouped = group("ungrouped", Location.unknown(source.toString()));
        GroupBuilder all = groups.get("all");
        for (String h : hosts.keySet()) {
            boolean grouped = groups.values().stream().anyMatch(g -> g != all && g.hosts.contains(h));
            if (!grouped && !ungrouped.hosts.contains(h)) {
                ungrouped.hosts.add(h);
            }
            all.hosts.remove(h);
        }
        java.util.Set<String> underAll = reachableFrom("all");
        for (GroupBuilder g : groups.values()) {
            if (!underAll.contains(g.name)) {
                all.children.add(g.name);
            }
        }
        Map<String, Group> built = new LinkedHashMap<>();
        for (GroupBuilder g : groups.values()) {
            built.put(g.name, new Group(g.name, List.copyOf(g.hosts), List.copyOf(g.children), Map.copyOf(g.vars), g.at));
        }
        return new Inventory(source, hosts, built, groupVars, hostVars,
                new VariableSources(groupVarsAt, groupVarsFilesAt, hostVarsAt, hostVarsFilesAt));
    }

    /** Groups defined in different places can still form a cycle (g has child h, h has child g). */
    private void findCycles() {
        java.util.Set<String> done = new java.util.HashSet<>();
        for (String g : groups.keySet()) {
            cycleFrom(g, new ArrayList<>(), done);
        }
    }

    private boolean cycleFrom(String group, List<String> path, java.util.Set<String> done) {
        if (path.contains(group)) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(group), path.size()));
            cycle.add(group);
            problems.add(groups.get(group).at, group, "groups form a cycle: " + String.join(" -> ", cycle)
                    + "; a group cannot be its own descendant");
            return true;
        }
        if (!done.add(group)) {
            return false;
        }
        GroupBuilder g = groups.get(group);
        if (g == null) {
            return false;
        }
        path.add(group);
        for (String child : g.children) {
            if (cycleFrom(child, path, done)) {
                return true;
            }
        }
        path.remove(path.size() - 1);
        return false;
    }

    private java.util.Set<String> reachableFrom(String root) {
        java.util.Set<String> seen = new java.util.LinkedHashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            String g = todo.pop();
            if (seen.add(g) && groups.containsKey(g)) {
                todo.addAll(groups.get(g).children);
            }
        }
        return seen;
    }

    private static final String INI_HINT = "this looks like an INI inventory, which edge does not read; convert it with "
            + "'ansible-inventory -i FILE --list --yaml' or write the YAML format (all: {children: {k8s: {hosts: ...}}}) "
            + "(INI inventories are not supported)";

    private static boolean looksLikeIni(Path file) {
        try {
            for (String line : Files.readAllLines(file)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
                    continue;
                }
                return l.matches("\\[[A-Za-z0-9_.:-]+]");
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
        return false;
    }

    private static boolean isYamlName(String name) {
        return name.endsWith(".yml") || name.endsWith(".yaml");
    }

    private GroupBuilder group(String name, Location at) {
        return groups.computeIfAbsent(name, n -> new GroupBuilder(n, at));
    }

    @SuppressWarnings("unchecked")
    private void readFile(Path file) {
        YamlDocument doc;
        try {
            doc = YamlLoader.loadFile(file);
        } catch (InputException e) {
            if (looksLikeIni(file)) {
                problems.add(new Problem(file.toString(), 1, 1, "", INI_HINT));
            } else {
                problems.addAll(e.problems());
            }
            return;
        }
        if (!(doc.root() instanceof Map)) {
            problems.add(doc.locate(""), "", looksLikeIni(file) ? INI_HINT
                    : "an inventory is a YAML mapping of groups (all: {hosts: ..., children: ..., vars: ...})");
            return;
        }
        List<Problem> schemaProblems = SCHEMA.validate(doc.root(), doc.sources(), "", false);
        if (!schemaProblems.isEmpty()) {
            problems.addAll(schemaProblems);
            return;
        }
        for (Map.Entry<String, Object> e : ((Map<String, Object>) doc.root()).entrySet()) {
            readGroup(e.getKey(), (Map<String, Object>) e.getValue(), SourceMap.child("", e.getKey()), doc, new ArrayList<>());
        }
    }

    @SuppressWarnings("unchecked")
    private void readGroup(String name, Map<String, Object> body, String pointer, YamlDocument doc, List<String> path) {
        Location at = doc.locate(pointer);
        if (path.contains(name)) {
            problems.add(at, name, "group is its own ancestor (" + String.join(" -> ", path) + " -> " + name + ")");
            return;
        }
        GroupBuilder g = group(name, at);
        if (body == null) {
            return;
        }
        Map<String, Object> vars = (Map<String, Object>) body.get("vars");
        if (vars != null) {
            g.vars.putAll(vars);
            String vp = SourceMap.child(pointer, "vars");
            vars.keySet().forEach(k -> groupVarsAt.computeIfAbsent(name, x -> new LinkedHashMap<>()).put(k, doc.locate(SourceMap.child(vp, k))));
        }
        Map<String, Object> hostMap = (Map<String, Object>) body.get("hosts");
        if (hostMap != null) {
            for (Map.Entry<String, Object> h : hostMap.entrySet()) {
                String hp = SourceMap.child(SourceMap.child(pointer, "hosts"), h.getKey());
                List<String> names;
                try {
                    names = HostRange.expand(h.getKey());
                } catch (IllegalArgumentException ex) {
                    problems.add(doc.locate(hp), h.getKey(), ex.getMessage());
                    continue;
                }
                Map<String, Object> hv = h.getValue() == null ? Map.of() : (Map<String, Object>) h.getValue();
                for (String hostName : names) {
                    Host existing = hosts.get(hostName);
                    Map<String, Object> merged = new LinkedHashMap<>(existing == null ? Map.of() : existing.vars());
                    merged.putAll(hv);
                    hosts.put(hostName, new Host(hostName, merged, existing == null ? doc.locate(hp) : existing.definedAt()));
                    hv.keySet().forEach(k -> hostVarsAt.computeIfAbsent(hostName, x -> new LinkedHashMap<>()).put(k, doc.locate(SourceMap.child(hp, k))));
                    if (!g.hosts.contains(hostName)) {
                        g.hosts.add(hostName);
                    }
                }
            }
        }
        Map<String, Object> children = (Map<String, Object>) body.get("children");
        if (children != null) {
            List<String> childPath = new ArrayList<>(path);
            childPath.add(name);
            for (Map.Entry<String, Object> c : children.entrySet()) {
                if (!g.children.contains(c.getKey())) {
                    g.children.add(c.getKey());
                }
                readGroup(c.getKey(), (Map<String, Object>) c.getValue(),
                        SourceMap.child(SourceMap.child(pointer, "children"), c.getKey()), doc, childPath);
            }
        }
    }

    /** group_vars/ or host_vars/: NAME(.yml|.yaml|.json) files, or NAME/ directories of such files. */
    @SuppressWarnings("unchecked")
    private Map<String, Map<String, Object>> readVarsDir(Path dir, Map<String, Map<String, Location>> locations) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> entries;
        try (Stream<Path> list = Files.list(dir)) {
            entries = list.sorted().toList();
        } catch (IOException e) {
            problems.add(Problem.inFile(dir.toString(), "cannot list directory: " + e.getMessage()));
            return out;
        }
        for (Path entry : entries) {
            String fileName = entry.getFileName().toString();
            if (fileName.startsWith(".")) {
                continue;
            }
            if (Files.isDirectory(entry)) {
                Map<String, Object> merged = new LinkedHashMap<>();
                try (Stream<Path> list = Files.list(entry)) {
                    for (Path f : list.filter(p -> isVarsFileName(p.getFileName().toString())).sorted().toList()) {
                        Map<String, Object> vars = readVarsFile(f, locations.computeIfAbsent(fileName, k -> new LinkedHashMap<>()));
                        if (vars != null) {
                            merged.putAll(vars);
                        }
                    }
                } catch (IOException e) {
                    problems.add(Problem.inFile(entry.toString(), "cannot list directory: " + e.getMessage()));
                }
                out.computeIfAbsent(fileName, k -> new LinkedHashMap<>()).putAll(merged);
            } else if (isVarsFileName(fileName) || !fileName.contains(".")) {
                Map<String, Object> vars = readVarsFile(entry, locations.computeIfAbsent(stripExtension(fileName), k -> new LinkedHashMap<>()));
                if (vars != null) {
                    out.computeIfAbsent(stripExtension(fileName), k -> new LinkedHashMap<>()).putAll(vars);
                }
            }
        }
        return out;
    }

    private static boolean isVarsFileName(String name) {
        return isYamlName(name) || name.endsWith(".json");
    }

    private static String stripExtension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> readVarsFile(Path file, Map<String, Location> locations) {
        try {
            List<YamlDocument> docs = YamlLoader.loadAll(file);
            if (docs.isEmpty() || docs.get(0).root() == null) {
                return Map.of(); // an empty vars file is fine
            }
            YamlDocument doc = docs.get(0);
            if (!(doc.root() instanceof Map)) {
                problems.add(doc.locate(""), "", "a vars file must be a mapping of variable names to values");
                return null;
            }
            List<Problem> p = SchemaValidator.forResource("vars.schema.json").validate(doc.root(), doc.sources(), "", false);
            if (!p.isEmpty()) {
                problems.addAll(p);
                return null;
            }
            ((Map<String, Object>) doc.root()).keySet().forEach(k -> locations.put(k, doc.locate(SourceMap.child("", k))));
            return (Map<String, Object>) doc.root();
        } catch (InputException e) {
            problems.addAll(e.problems());
            return null;
        }
    }
}
