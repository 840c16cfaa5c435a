package edge.module;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Per-run shared objects, created on first use and closed at the end of the run: one SSH session per
 * host, one API client per cluster, caches of what a module already read. Keys are chosen by the
 * modules (e.g. {@code "ssh:" + host}).
 */
public final class RunResources implements AutoCloseable {
    private final Map<String, Object> objects = new LinkedHashMap<>();
    private final Map<String, Object> locks = new LinkedHashMap<>();

    /** The object for {@code key}, created once even when hosts run in parallel. */
    @SuppressWarnings("unchecked")
    public <T> T get(String key, Function<String, T> factory) {
        Object lock;
        synchronized (this) {
            Object existing = objects.get(key);
            if (existing != null) {
                return (T) existing;
            }
            lock = locks.computeIfAbsent(key, k -> new Object());
        }
        synchronized (lock) {
            synchronized (this) {
                Object existing = objects.get(key);
                if (existing != null) {
                    return (T) existing;
                }
            }
            T created = factory.apply(key);
            synchronized (this) {
                objects.put(key, created);
            }
            return created;
        }
    }

    @Override
    public void close() {
        List<Object> all;
        synchronized (this) {
            all = new ArrayList<>(objects.values());
            objects.clear();
        }
        Collections.reverse(all);
        for (Object o : all) {
            if (o instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // Closing is best effort: the run's outcome is already decided.
                }
            }
        }
    }
}
