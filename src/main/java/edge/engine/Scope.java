package edge.engine;

import edge.core.Redactor;
import edge.template.TemplateException;
import edge.template.Templater;
import edge.template.Vars;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The variables of one host at one point of the run, in precedence layers (lowest first). Layers
 * marked raw hold values as written, rendered lazily on use, so a variable may refer to another
 * ({@code peer: "{{ hostvars[item].ansible_host }}"}) just as in Ansible. Facts and registered results
 * are stored rendered and never templated again. Magic variables sit on top and cannot be overridden.
 */
public final class Scope implements Vars {

    /** One precedence level. */
    public record Layer(String name, Map<String, Object> values, boolean raw) {
    }

    private static final ThreadLocal<Set<String>> RESOLVING = ThreadLocal.withInitial(HashSet::new);

    private final List<Layer> layers;
    private final Map<String, Object> magic;
    private final Templater templater;
    private final Redactor redactor;

    public Scope(List<Layer> layers, Map<String, Object> magic, Templater templater, Redactor redactor) {
        this.layers = List.copyOf(layers);
        this.magic = magic;
        this.templater = templater;
        this.redactor = redactor;
    }

    /** A scope with extra top-priority values (loop item, registered result for until/changed_when). */
    public Scope with(Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>(magic);
        m.putAll(extra);
        return new Scope(layers, m, templater, redactor);
    }

    @Override
    public Object get(String name) {
        if (magic.containsKey(name)) {
            return magic.get(name);
        }
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer layer = layers.get(i);
            if (layer.values().containsKey(name)) {
                Object value = layer.values().get(name);
                if (layer.raw() && containsTemplate(value)) {
                    value = resolve(name, value);
                }
                if (Redactor.isSecretName(name)) {
                    registerSecrets(value);
                }
                return value;
            }
        }
        return UNDEFINED;
    }

    private Object resolve(String name, Object raw) {
        Set<String> resolving = RESOLVING.get();
        String key = System.identityHashCode(this) + ":" + name;
        if (!resolving.add(key)) {
            throw new Templater.TemplateVarException("variable '" + name + "' refers to itself");
        }
        try {
            return templater.render(raw, this);
        } catch (TemplateException e) {
            throw new Templater.TemplateVarException("in variable '" + name + "': " + e.getMessage());
        } finally {
            resolving.remove(key);
        }
    }

    private void registerSecrets(Object value) {
        if (value instanceof String s) {
            redactor.register(s);
        } else if (value instanceof Map<?, ?> m) {
            m.values().forEach(this::registerSecrets);
        } else if (value instanceof List<?> l) {
            l.forEach(this::registerSecrets);
        }
    }

    static boolean containsTemplate(Object value) {
        if (value instanceof String s) {
            return Templater.isTemplated(s);
        }
        if (value instanceof Map<?, ?> m) {
            for (Object v : m.values()) {
                if (containsTemplate(v)) {
                    return true;
                }
            }
            return false;
        }
        if (value instanceof List<?> l) {
            for (Object v : l) {
                if (containsTemplate(v)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Every defined name (for {@code hostvars[host]} printed whole, and for {@code vars}). */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        for (Layer l : layers) {
            names.addAll(l.values().keySet());
        }
        names.addAll(magic.keySet());
        return names;
    }

    /** This scope as a read-only map, for {@code hostvars[name]}; values resolve on access. */
    public Map<String, Object> asMap() {
        return new AbstractMap<>() {
            @Override
            public Object get(Object key) {
                Object v = Scope.this.get(String.valueOf(key));
                return v == UNDEFINED ? null : v;
            }

            @Override
            public boolean containsKey(Object key) {
                return Scope.this.get(String.valueOf(key)) != UNDEFINED;
            }

            @Override
            public Set<Entry<String, Object>> entrySet() {
                Set<Entry<String, Object>> out = new LinkedHashSet<>();
                for (String n : new ArrayList<>(names())) {
                    if (!"hostvars".equals(n) && !"groups".equals(n)) {
                        out.add(new SimpleImmutableEntry<>(n, get(n)));
                    }
                }
                return out;
            }
        };
    }
}
