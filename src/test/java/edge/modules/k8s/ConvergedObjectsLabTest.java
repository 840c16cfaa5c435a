package edge.modules.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.transport.k8s.KubeResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The converged-object shortcut against a real API server: the second no-op run sends no dry run for
 * objects a dry run already found converged, and every kind of drift another client can cause (a
 * changed value, a removed field, an object deleted and created again, the same object applied by
 * another manager with another value) is still found, because each one changes edge's entry in the
 * object's managedFields or its uid. A lost or corrupt cache only costs the dry runs.
 */
class ConvergedObjectsLabTest extends K8sLabTest {
    static void playbook(String ns) throws Exception {
        project.write("conv-" + ns + ".yaml", """
                apiVersion: v1
                kind: Namespace
                metadata: {name: %1$s}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: settings, namespace: %1$s, labels: {app: edge-test}}
                data: {mode: bgp, peers: "3"}
                ---
                apiVersion: v1
                kind: ServiceAccount
                metadata: {name: robot, namespace: %1$s}
                ---
                apiVersion: v1
                kind: ServiceAccount
                metadata: {name: labelled, namespace: %1$s, labels: {a: b}}
                """.formatted(ns));
        project.write("conv-" + ns + ".yml", """
                - hosts: k8s
                  tasks:
                    - name: manifest
                      k8s_manifest: {src: conv-%1$s.yaml, name: conv-%1$s}
                """.formatted(ns));
    }

    static long dryRuns(K8sProject.Run r) {
        return r.requests().getOrDefault("PATCH dry-run", 0L);
    }

    static K8sProject.Run noOp(String ns) throws Exception {
        K8sProject.Run r = project.run("conv-" + ns + ".yml", "--detailed-exitcode");
        assertEquals(0, r.exit(), r.out());
        return r;
    }

    /** Converges, then runs until the shortcut has learned every object: a no-op without dry runs. */
    static void converged(String ns) throws Exception {
        playbook(ns);
        K8sProject.Run first = project.run("conv-" + ns + ".yml");
        assertEquals(0, first.exit(), first.out());
        K8sProject.Run learning = noOp(ns);
        // the Namespace and the ServiceAccount "robot" declare nothing but their names: nothing to dry-run, ever
        assertEquals(2, dryRuns(learning), "the first no-op dry-runs the objects that declare fields: " + learning.requests());
        K8sProject.Run known = noOp(ns);
        assertEquals(0, dryRuns(known), "the second no-op needs no dry run: " + known.requests());
        assertEquals(0L, known.requests().getOrDefault("mutating", 0L), known.requests().toString());
    }

    static void patchAsSomeoneElse(String path, String mergePatch) throws Exception {
        KubeResponse r = cluster.api().request("PATCH", path, Map.of("fieldManager", "kubectl-edit"),
                mergePatch.getBytes(StandardCharsets.UTF_8), "application/merge-patch+json");
        assertTrue(r.ok(), r.toString());
    }

    /** Drift edge repairs: --check reports it, the run repairs it, the next run is a no-op. */
    static void assertDriftRepaired(String ns, String expected) throws Exception {
        K8sProject.Run check = project.run("conv-" + ns + ".yml", "--check", "--diff", "--detailed-exitcode");
        assertEquals(10, check.exit(), "drift must be found: " + check.out());
        assertTrue(check.out().contains(expected), check.out());
        K8sProject.Run fix = project.run("conv-" + ns + ".yml", "--detailed-exitcode");
        assertEquals(10, fix.exit(), fix.out());
        noOp(ns);
    }

    /** Drift another manager owns now (edge takes it over only with force: true): reported as the conflict it is. */
    static void assertConflictReported(String ns, String field, String theirValue) throws Exception {
        K8sProject.Run check = project.run("conv-" + ns + ".yml", "--check", "--detailed-exitcode");
        assertEquals(edge.cli.ExitCodes.HOST_FAILED, check.exit(), "drift must be found: " + check.out());
        assertTrue(check.out().contains(field + " (conflict with") && check.out().contains("which set \\\"" + theirValue + "\\\""),
                check.out());
    }

    @Test
    void aValueChangedByAnotherClientIsDrift() throws Exception {
        String ns = "conv-value";
        converged(ns);
        patchAsSomeoneElse("/api/v1/namespaces/" + ns + "/configmaps/settings", "{\"data\":{\"mode\":\"layer2\"}}");
        assertConflictReported(ns, ".data.mode", "layer2");
    }

    @Test
    void aFieldRemovedByAnotherClientIsDrift() throws Exception {
        String ns = "conv-removed";
        converged(ns);
        patchAsSomeoneElse("/api/v1/namespaces/" + ns + "/configmaps/settings", "{\"metadata\":{\"labels\":{\"app\":null}}}");
        assertDriftRepaired(ns, "edge-test");
    }

    @Test
    void anObjectDeletedAndCreatedAgainIsDrift() throws Exception {
        String ns = "conv-recreated";
        converged(ns);
        String path = "/api/v1/namespaces/" + ns + "/configmaps/settings";
        KubeResponse del = cluster.api().request("DELETE", path, Map.of(), null, null);
        assertTrue(del.ok(), del.toString());
        KubeResponse post = cluster.api().request("POST", "/api/v1/namespaces/" + ns + "/configmaps", Map.of("fieldManager", "someone-else"),
                ("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"settings\",\"namespace\":\"" + ns
                        + "\"},\"data\":{\"mode\":\"bgp\"}}").getBytes(StandardCharsets.UTF_8), "application/json");
        assertTrue(post.ok(), post.toString());
        assertDriftRepaired(ns, "peers");
    }

    @Test
    void anotherManagerForcingAnotherValueIsDrift() throws Exception {
        String ns = "conv-forced";
        converged(ns);
        KubeResponse r = cluster.api().request("PATCH", "/api/v1/namespaces/" + ns + "/configmaps/settings",
                Map.of("fieldManager", "other-tool", "force", "true"),
                ("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"settings\",\"namespace\":\"" + ns
                        + "\"},\"data\":{\"peers\":\"4\"}}").getBytes(StandardCharsets.UTF_8), "application/apply-patch+yaml");
        assertTrue(r.ok(), r.toString());
        assertConflictReported(ns, ".data.peers", "4");
    }

    @Test
    void aCorruptCacheOnlyCostsTheDryRuns() throws Exception {
        String ns = "conv-corrupt";
        converged(ns);
        Path cacheDir = dir.resolve("cache").resolve("k8s-converged");
        try (var files = Files.list(cacheDir)) {
            for (Path f : files.toList()) {
                Files.writeString(f, "{ not json");
            }
        }
        K8sProject.Run r = noOp(ns);
        assertEquals(2, dryRuns(r), "the objects are dry-run again: " + r.requests());
        assertEquals(0, dryRuns(noOp(ns)), "and learned again");
    }

    @Test
    void theShortcutCanBeTurnedOff() throws Exception {
        String ns = "conv-off";
        converged(ns);
        System.setProperty("edge.k8s.skipConverged", "false");
        try {
            K8sProject.Run r = noOp(ns);
            assertEquals(4, dryRuns(r), "every object is dry-run: " + r.requests());
        } finally {
            System.clearProperty("edge.k8s.skipConverged");
        }
    }
}
