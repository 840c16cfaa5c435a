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

    private final String owner;
    private final List<Layer> layers;
    private final Map<String, Object> magic;
    private final Templater templater;
    private final Redactor redactor;

    public Scope(String owner, List<Layer> layers, Map<String, Object> magic, Templater templater, Redactor redactor) {
        this.owner = owner;
        this.layers = List.copyOf(layers);
        this.magic = magic;
        this.templater = templater;
        this.redactor = redactor;
    }

    /** A scope with extra top-priority values (loop item, registered result for until/changed_when). */
    public Scope with(Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>(magic);
        m.putAll(extra);
        return new Scope(owner, layers, m, templater, redactor);
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
                redactor.registerSecretsIn(value, Redactor.isSecretName(name));
                return value;
            }
        }
        return UNDEFINED;
    }

    private Object resolve(String name, Object raw) {
        Set<String> resolving = RESOLVING.get();
        // Keyed by host and name (not by this object): hostvars builds a new scope per access.
        String key = owner + ":" + name;
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
            synchronized (l.values()) {
                names.addAll(l.values().keySet());
            }
        }
        names.addAll(magic.keySet());
        // hostvars inside hostvars would print the whole inventory recursively.
        names.remove("hostvars");
        names.remove("groups");
        return names;
    }

    /**
     * This scope as a read-only map, for {@code hostvars[name]}. Values resolve on access only; the
     * size and keys never resolve anything, because template engines ask for them when wrapping maps.
     */
    public Map<String, Object> asMap() {
        return new LazyMap(new ArrayList<>(names()), this::lookupOrNull);
    }

    private Object lookupOrNull(String name) {
        Object v = get(name);
        return v == UNDEFINED ? null : v;
    }

    /** A map over known keys whose values are computed when read. */
    public static final class LazyMap extends AbstractMap<String, Object> {
        private final List<String> keys;
        private final java.util.function.Function<String, Object> values;

        public LazyMap(List<String> keys, java.util.function.Function<String, Object> values) {
            this.keys = keys;
            this.values = values;
        }

        @Override
        public Object get(Object key) {
            return keys.contains(String.valueOf(key)) ? values.apply(String.valueOf(key)) : null;
        }

        @Override
        public boolean containsKey(Object key) {
            return keys.contains(String.valueOf(key));
        }

        @Override
        public int size() {
            return keys.size();
        }

        @Override
        public Set<String> keySet() {
            return new LinkedHashSet<>(keys);
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override
                public java.util.Iterator<Entry<String, Object>> iterator() {
                    java.util.Iterator<String> it = keys.iterator();
                    return new java.util.Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public Entry<String, Object> next() {
                            String k = it.next();
                            return new SimpleImmutableEntry<>(k, values.apply(k));
                        }
                    };
                }

                @Override
                public int size() {
                    return keys.size();
                }
            };
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }

        @Override
        public boolean equals(Object o) {
            return o == this;
        }
    }
}
