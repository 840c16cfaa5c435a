package edge.transport.k8s;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Counts the HTTP requests sent to one API server, by method; server-side dry runs are counted
 * apart ({@code PATCH dry-run}), so "no mutating request" is checkable: {@link #mutating()}.
 */
public final class RequestCounter implements Interceptor {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request r = chain.request();
        String dry = r.url().queryParameter("dryRun");
        String key = r.method() + (dry != null && !dry.isEmpty() ? " dry-run" : "");
        counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        return chain.proceed(r);
    }

    /** Requests so far by method ({@code GET}, {@code PATCH}, {@code PATCH dry-run}, ...), sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        counts.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** The requests counted since {@code before} (a {@link #snapshot()}), plus {@code total} and {@code mutating}. */
    public Map<String, Long> since(Map<String, Long> before) {
        Map<String, Long> m = new TreeMap<>();
        long total = 0;
        long mutating = 0;
        for (Map.Entry<String, Long> e : snapshot().entrySet()) {
            long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (d > 0) {
                m.put(e.getKey(), d);
                total += d;
                if (isMutating(e.getKey())) {
                    mutating += d;
                }
            }
        }
        m.put("total", total);
        m.put("mutating", mutating);
        return m;
    }

    /** POST/PUT/PATCH/DELETE that were not dry runs. */
    public long mutating() {
        long n = 0;
        for (Map.Entry<String, Long> e : snapshot().entrySet()) {
            if (isMutating(e.getKey())) {
                n += e.getValue();
            }
        }
        return n;
    }

    static boolean isMutating(String key) {
        return !key.endsWith("dry-run") && (key.startsWith("POST") || key.startsWith("PUT") || key.startsWith("PATCH")
                || key.startsWith("DELETE"));
    }
}
