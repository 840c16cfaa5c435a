package edge.modules.k8s;

import edge.core.InputException;
import edge.core.Location;
import edge.module.ModuleException;
import edge.yaml.SourceMap;
import edge.yaml.YamlDocument;
import edge.yaml.YamlLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The objects of a {@code definition:} argument: a mapping, a list of mappings, or YAML text (one or
 * more documents), each with a way to locate a field of it in the playbook.
 */
final class Definitions {
    /** One object and where its fields are written. */
    record Def(Map<String, Object> body, Function<List<Object>, Location> locate) {
    }

    private Definitions() {
    }

    /** At run time: the (templated) objects, deep-copied. */
    static List<Map<String, Object>> objects(Object definition) throws ModuleException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Def d : parse(definition, p -> Location.unknown("definition"), "definition")) {
            out.add(ObjectTree.deepCopy(d.body()));
        }
        return out;
    }

    /**
     * @param locate where a path below {@code definition} is written (keys and list indexes)
     */
    static List<Def> parse(Object definition, Function<List<Object>, Location> locate, String file) throws ModuleException {
        return parse(definition, locate, file, 0);
    }

    /**
     * @param columnOffset for YAML text: the indentation of the text's lines in the playbook (a block
     *                     scalar's lines are indented there), added to columns found inside the text
     */
    static List<Def> parse(Object definition, Function<List<Object>, Location> locate, String file, int columnOffset)
            throws ModuleException {
        List<Def> out = new ArrayList<>();
        if (definition instanceof Map<?, ?> m) {
            out.add(new Def(ObjectTree.map(m), locate));
        } else if (definition instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                int index = i;
                if (!(l.get(i) instanceof Map<?, ?> m)) {
                    throw new ModuleException("definition[" + i + "] must be a mapping (a Kubernetes object)");
                }
                out.add(new Def(ObjectTree.map(m), p -> locate.apply(prepend(index, p))));
            }
        } else if (definition instanceof String text) {
            Location base = locate.apply(List.of());
            List<YamlDocument> docs;
            try {
                docs = YamlLoader.loadAll(file, text);
            } catch (InputException e) {
                throw new ModuleException("definition is not valid YAML: " + e.getMessage());
            }
            for (YamlDocument d : docs) {
                if (d.root() == null) {
                    continue;
                }
                if (!(d.root() instanceof Map<?, ?> m)) {
                    throw new ModuleException("each YAML document of definition must be a mapping (a Kubernetes object)");
                }
                SourceMap sources = d.sources();
                out.add(new Def(ObjectTree.map(m), p -> {
                    Location rel = sources.locate(pointer(p));
                    return base.line() > 0 && rel.line() > 0
                            ? new Location(base.file(), base.line() + rel.line(), rel.column() + columnOffset)
                            : base;
                }));
            }
        } else {
            throw new ModuleException("definition must be a mapping, a list of mappings, or YAML text");
        }
        return out;
    }

    private static List<Object> prepend(Object first, List<Object> rest) {
        List<Object> p = new ArrayList<>();
        p.add(first);
        p.addAll(rest);
        return p;
    }

    static String pointer(List<Object> path) {
        String ptr = "";
        for (Object o : path) {
            ptr = o instanceof Integer i ? SourceMap.child(ptr, i) : SourceMap.child(ptr, String.valueOf(o));
        }
        return ptr;
    }
}
