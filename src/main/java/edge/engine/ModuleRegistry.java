package edge.engine;

import edge.module.Module;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** The modules a playbook may use, by name and alias. */
public final class ModuleRegistry {
    private final Map<String, Module> byName = new LinkedHashMap<>();
    private final List<Module> modules = new ArrayList<>();

    public ModuleRegistry register(Module m) {
        modules.add(m);
        byName.put(m.name(), m);
        for (String alias : m.aliases()) {
            byName.put(alias, m);
        }
        return this;
    }

    public Optional<Module> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Collection<Module> modules() {
        return List.copyOf(modules);
    }

    public boolean isModule(String key) {
        return byName.containsKey(key);
    }

    /** The closest module name, for "did you mean" hints on typos. */
    public Optional<String> closest(String name) {
        return modules.stream().map(Module::name)
                .min(Comparator.comparingInt(n -> distance(n, name)))
                .filter(n -> distance(n, name) <= Math.max(2, name.length() / 3));
    }

    public String names() {
        TreeSet<String> names = new TreeSet<>();
        modules.forEach(m -> names.add(m.name()));
        return String.join(", ", names);
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
