package edge.inventory;

import edge.core.Location;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The loaded inventory: hosts, groups (with {@code all} at the root and {@code ungrouped}), and the
 * variables from the inventory file and from {@code group_vars/} and {@code host_vars/}.
 *
 * <p>Variable precedence, lowest first (Ansible's order for what edge supports):
 * <ol>
 *   <li>group vars in the inventory file, {@code all} first, then by group depth and name</li>
 *   <li>{@code group_vars/all}</li>
 *   <li>{@code group_vars/<group>}, by group depth and name</li>
 *   <li>host vars in the inventory file</li>
 *   <li>{@code host_vars/<host>}</li>
 * </ol>
 * Play vars, vars_files, task vars, registered facts and extra vars ({@code -e}) come on top of these
 * (see the README).
 */
public final class Inventory {
    /** The implicit localhost of Ansible: usable in patterns, not a member of {@code all}. */
    public static final String LOCALHOST = "localhost";

    private final Path source;
    private final Map<String, Host> hosts;
    private final Map<String, Group> groups;
    private final Map<String, Map<String, Object>> groupVarsFiles;
    private final Map<String, Map<String, Object>> hostVarsFiles;
    private final VariableSources sources;
    private final Map<String, Integer> depth = new HashMap<>();
    private final Map<String, Set<String>> groupsOfHost = new HashMap<>();

    Inventory(Path source, Map<String, Host> hosts, Map<String, Group> groups,
              Map<String, Map<String, Object>> groupVarsFiles, Map<String, Map<String, Object>> hostVarsFiles, VariableSources sources) {
        this.source = source;
        this.hosts = Collections.unmodifiableMap(hosts);
        this.groups = Collections.unmodifiableMap(groups);
        this.groupVarsFiles = groupVarsFiles;
        this.hostVarsFiles = hostVarsFiles;
        this.sources = sources;
        computeDepth("all", 0, new LinkedHashSet<>());
        for (String g : groups.keySet()) {
            for (String h : hostsOf(g)) {
                groupsOfHost.computeIfAbsent(h, k -> new LinkedHashSet<>()).add(g);
            }
        }
    }

    private void computeDepth(String group, int d, Set<String> path) {
        if (!path.add(group)) {
            return;
        }
        depth.merge(group, d, Math::max);
        Group g = groups.get(group);
        if (g != null) {
            for (String child : g.children()) {
                computeDepth(child, d + 1, path);
            }
        }
        path.remove(group);
    }

    public Path source() {
        return source;
    }

    public Map<String, Host> hosts() {
        return hosts;
    }

    public Map<String, Group> groups() {
        return groups;
    }

    public boolean hasHost(String name) {
        return hosts.containsKey(name) || LOCALHOST.equals(name);
    }

    /** The host, or the implicit localhost. */
    public Host host(String name) {
        Host h = hosts.get(name);
        if (h == null && LOCALHOST.equals(name)) {
            return new Host(LOCALHOST, Map.of("ansible_connection", "local"), Location.unknown("<implicit>"));
        }
        return h;
    }

    /** All hosts of a group and of its descendants, in inventory order. */
    public List<String> hostsOf(String group) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        collect(group, out, new LinkedHashSet<>());
        return new ArrayList<>(out);
    }

    private void collect(String group, Set<String> out, Set<String> visiting) {
        Group g = groups.get(group);
        if (g == null || !visiting.add(group)) {
            return;
        }
        out.addAll(g.hosts());
        for (String child : g.children()) {
            collect(child, out, visiting);
        }
    }

    /** Group names a host belongs to, without {@code all}, sorted (Ansible's {@code group_names}). */
    public List<String> groupNames(String host) {
        List<String> names = new ArrayList<>(groupsOfHost.getOrDefault(host, Set.of()));
        names.remove("all");
        Collections.sort(names);
        return names;
    }

    /** {@code groups} magic variable: group name to host list. */
    public Map<String, List<String>> groupsVar() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String g : groups.keySet()) {
            out.put(g, hostsOf(g));
        }
        return out;
    }

    /** The inventory-level variables of a host after applying the precedence documented above. */
    public Map<String, Object> varsOf(String host) {
        Map<String, Object> vars = new LinkedHashMap<>();
        List<String> memberOf = groupsByPrecedence(host);
        for (String g : memberOf) {
            vars.putAll(groups.get(g).vars());
        }
        if (groupVarsFiles.containsKey("all") && memberOf.contains("all")) {
            vars.putAll(groupVarsFiles.get("all"));
        }
        for (String g : memberOf) {
            if (!"all".equals(g) && groupVarsFiles.containsKey(g)) {
                vars.putAll(groupVarsFiles.get(g));
            }
        }
        Host h = host(host);
        if (h != null) {
            vars.putAll(h.vars());
        }
        if (hostVarsFiles.containsKey(host)) {
            vars.putAll(hostVarsFiles.get(host));
        }
        return vars;
    }

    /** Where the value {@link #varsOf} gives for {@code name} was written (the definition that wins), or null. */
    public Location whereDefined(String host, String name) {
        Location at = sources.of(sources.hostVarsFiles(), host, name);
        if (at == null) {
            at = sources.of(sources.hostVars(), host, name);
        }
        List<String> memberOf = new ArrayList<>(groupsByPrecedence(host));
        Collections.reverse(memberOf);
        for (int i = 0; at == null && i < memberOf.size(); i++) {
            if (!"all".equals(memberOf.get(i))) {
                at = sources.of(sources.groupVarsFiles(), memberOf.get(i), name);
            }
        }
        if (at == null && memberOf.contains("all")) {
            at = sources.of(sources.groupVarsFiles(), "all", name);
        }
        for (int i = 0; at == null && i < memberOf.size(); i++) {
            at = sources.of(sources.groupVars(), memberOf.get(i), name);
        }
        return at;
    }

    /** The host's groups, lowest precedence first: by depth below {@code all}, then by name. */
    private List<String> groupsByPrecedence(String host) {
        List<String> memberOf = new ArrayList<>(groupsOfHost.getOrDefault(host, Set.of()));
        memberOf.sort(Comparator.<String>comparingInt(g -> depth.getOrDefault(g, 0)).thenComparing(g -> g));
        return memberOf;
    }
}
