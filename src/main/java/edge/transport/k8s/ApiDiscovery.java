package edge.transport.k8s;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Discovery of only the group-versions a run uses ({@code GET /apis/metallb.io/v1beta1}), kept in
 * memory for the run. A kind that is missing from a group-version fetched earlier triggers one
 * refresh of that group-version; a miss confirmed by that refresh is remembered until
 * {@link #invalidate} (called after CRDs are applied and Established). Nothing is written to disk:
 * no shared temp-file cache that could go stale between users or runs.
 */
public final class ApiDiscovery {
    private final KubeConnection conn;
    /** apiVersion -> kind -> resource; an empty map = not served (404). */
    private final Map<String, Map<String, ApiResource>> cache = new HashMap<>();
    /** Group-versions whose misses were confirmed by a refresh. */
    private final Set<String> confirmed = new HashSet<>();

    ApiDiscovery(KubeConnection conn) {
        this.conn = conn;
    }

    /** The resource serving {@code kind} in {@code apiVersion}, or empty when the server does not serve it. */
    public synchronized Optional<ApiResource> find(String apiVersion, String kind) throws KubeException {
        Map<String, ApiResource> kinds = cache.get(apiVersion);
        if (kinds == null) {
            kinds = fetch(apiVersion);
            cache.put(apiVersion, kinds);
        } else if (!kinds.containsKey(kind) && !confirmed.contains(apiVersion)) {
            kinds = fetch(apiVersion);
            cache.put(apiVersion, kinds);
            confirmed.add(apiVersion);
        }
        ApiResource r = kinds.get(kind);
        if (r == null) {
            confirmed.add(apiVersion);
        }
        return Optional.ofNullable(r);
    }

    /** Whether the group-version is served at all (as far as this run knows). */
    public synchronized boolean served(String apiVersion) throws KubeException {
        Map<String, ApiResource> kinds = cache.get(apiVersion);
        if (kinds == null) {
            kinds = fetch(apiVersion);
            cache.put(apiVersion, kinds);
        }
        return !kinds.isEmpty();
    }

    /** Forgets a group-version (its CRDs changed): the next lookup fetches it again. */
    public synchronized void invalidate(String apiVersion) {
        cache.remove(apiVersion);
        confirmed.remove(apiVersion);
    }

    /**
     * Fetches the group-versions not known yet, all at once (a manifest names several; one after another
     * they would cost a round trip each). A failure here is left for {@link #find} to report in context.
     */
    public void prefetch(java.util.Collection<String> apiVersions) {
        List<String> missing;
        synchronized (this) {
            missing = apiVersions.stream().distinct().filter(v -> !cache.containsKey(v)).toList();
        }
        if (missing.size() < 2) {
            return;
        }
        List<java.util.concurrent.CompletableFuture<Void>> all = new java.util.ArrayList<>();
        for (String v : missing) {
            all.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    Map<String, ApiResource> kinds = fetch(v);
                    synchronized (this) {
                        cache.putIfAbsent(v, kinds);
                    }
                } catch (KubeException e) {
                    // find() fetches it again and reports the error where it matters
                }
            }, conn.executor()));
        }
        try {
            java.util.concurrent.CompletableFuture.allOf(all.toArray(java.util.concurrent.CompletableFuture[]::new)).join();
        } catch (java.util.concurrent.CompletionException e) {
            // as above
        }
    }

    /** The group-versions fetched so far (for -v output and tests). */
    public synchronized Set<String> known() {
        return new HashSet<>(cache.keySet());
    }

    private Map<String, ApiResource> fetch(String apiVersion) throws KubeException {
        KubeResponse r = conn.get(ApiResource.groupVersionPath(apiVersion));
        Map<String, ApiResource> kinds = new HashMap<>();
        if (r.code() == 404) {
            return kinds;
        }
        if (!r.ok()) {
            throw new KubeException("discovery of " + apiVersion + " failed: HTTP " + r.code() + ": " + r.message(), false);
        }
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        Object resources = r.json().get("resources");
        if (resources instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("name") instanceof String name && !name.contains("/")
                        && m.get("kind") instanceof String kind) {
                    kinds.put(kind, new ApiResource(group, version, kind, name, Boolean.TRUE.equals(m.get("namespaced"))));
                }
            }
        }
        return kinds;
    }
}
