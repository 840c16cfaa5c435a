package edge.modules.k8s;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import edge.core.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The objects a server-side dry run last found converged, so that a no-op run need not dry-run them
 * again: a per-user cache ({@code <cache>/k8s-converged/<cluster>.json}) that is only ever a shortcut.
 *
 * <p>Why a dry run can be skipped: what an apply by field manager {@code edge} does to an object depends
 * only on what edge sends and on the fields edge owns in it. Server-side apply tracks ownership on every
 * write: whoever else changes or removes a field that edge set takes it out of edge's entry in
 * {@code metadata.managedFields}, and every apply by edge that changes anything rewrites that entry
 * (fields and time). So when an object has the same uid and edge's entry is exactly what it was when a
 * dry run of the same request (same body, same force flag, same server version) found nothing to
 * change, the dry run would find nothing again. Anything else (a new object, another body, a changed
 * entry, a lost or unreadable cache) is simply dry-run as before. {@code EDGE_K8S_SKIP_CONVERGED=0}
 * turns the shortcut off.
 */
final class ConvergedObjects {
    private static final Logger LOG = Logger.getLogger(ConvergedObjects.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Entries kept per cluster; the oldest go first (another playbook's objects, objects long gone). */
    static final int MAX_ENTRIES = 20_000;

    private final Path file;
    private final String clusterSalt;
    private final Map<String, String> entries;
    private boolean dirty;

    private ConvergedObjects(Path file, String clusterSalt, Map<String, String> entries) {
        this.file = file;
        this.clusterSalt = clusterSalt;
        this.entries = entries;
    }

    static boolean enabled() {
        return !"0".equals(System.getenv("EDGE_K8S_SKIP_CONVERGED")) && !"false".equals(System.getProperty("edge.k8s.skipConverged"));
    }

    /** The cache of one cluster (its server URL), for requests judged by a server of {@code serverVersion}. */
    static ConvergedObjects load(String server, String serverVersion) {
        Path file = ManifestSource.cacheDir().resolve("k8s-converged").resolve(sha256(server).substring(0, 32) + ".json");
        Map<String, String> entries = new LinkedHashMap<>();
        try {
            if (Files.isRegularFile(file)) {
                entries.putAll(JSON.readValue(file.toFile(), new TypeReference<Map<String, String>>() { }));
            }
        } catch (IOException | RuntimeException e) {
            LOG.fine("ignoring the unreadable cache " + file + ": " + e);
        }
        return new ConvergedObjects(file, server + "\n" + serverVersion, entries);
    }

    /** Whether the dry run of {@code request} against {@code live} is known to change nothing. */
    synchronized boolean known(ObjectRef ref, byte[] request, Map<String, Object> live) {
        String owned = ownedFingerprint(live);
        if (owned == null) {
            return false;
        }
        String key = key(ref, request, live);
        boolean hit = owned.equals(entries.get(key));
        if (hit) {
            entries.put(key, entries.remove(key)); // recently used: kept longest
        }
        return hit;
    }

    /**
     * Whether applying {@code desired} to the existing {@code live} object certainly changes nothing,
     * with no memory needed: it declares no field beyond its identity, and edge owns no field of the
     * object that the apply could remove (the server keeps no managedFields entry for an empty set).
     */
    static boolean nothingToApply(Map<String, Object> desired, Map<String, Object> live) {
        for (String k : desired.keySet()) {
            if (!List.of("apiVersion", "kind", "metadata").contains(k)) {
                return false;
            }
        }
        if (desired.get("metadata") instanceof Map<?, ?> md) {
            for (Object k : md.keySet()) {
                if (!"name".equals(k) && !"namespace".equals(k)) {
                    return false;
                }
            }
        }
        return ownedFingerprint(live) == null;
    }

    /** Remembers that a dry run of {@code request} against {@code live} changed nothing. */
    synchronized void remember(ObjectRef ref, byte[] request, Map<String, Object> live) {
        String owned = ownedFingerprint(live);
        if (owned == null) {
            return;
        }
        String key = key(ref, request, live);
        entries.remove(key);
        entries.put(key, owned);
        dirty = true;
    }

    /** Writes what this run learned (atomically; a failure costs only the next run's speed). */
    synchronized void save() {
        if (!dirty) {
            return;
        }
        while (entries.size() > MAX_ENTRIES) {
            entries.remove(entries.keySet().iterator().next());
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".part");
            try {
                JSON.writeValue(tmp.toFile(), entries);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            dirty = false;
        } catch (IOException | RuntimeException e) {
            LOG.fine("cannot write the cache " + file + ": " + e);
        }
    }

    private String key(ObjectRef ref, byte[] request, Map<String, Object> live) {
        Object uid = ObjectTree.at(live, "metadata", "uid");
        return sha256(clusterSalt + "\n" + ref.display() + "\n" + uid + "\n" + sha256(request));
    }

    /** edge's entries of the object's managedFields (fields, operation, time), or null when edge owns nothing in it. */
    static String ownedFingerprint(Map<String, Object> live) {
        if (!(ObjectTree.at(live, "metadata", "managedFields") instanceof List<?> all)) {
            return null;
        }
        List<?> mine = all.stream().filter(e -> e instanceof Map<?, ?> m && Reconciler.FIELD_MANAGER.equals(m.get("manager"))).toList();
        return mine.isEmpty() ? null : sha256(Json.compact(mine));
    }

    private static String sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
