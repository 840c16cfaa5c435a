package edge.modules.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.cli.ExitCodes;
import edge.transport.k8s.KubeResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site whose objects someone else created first (as {@code kubectl apply} does: a create by field
 * manager {@code kubectl-client-side-apply}), against a real API server: edge's first run without
 * {@code force} takes over the fields whose values it would not change, a second run changes nothing,
 * and a field another manager set to another value stops the run with a message naming the field, the
 * manager and the way out. Each test uses its own namespace.
 */
@Tag("k8s")
class AdoptionLabTest {
    static K8sTestCluster cluster;
    @TempDir
    static Path dir;
    static K8sProject project;

    @BeforeAll
    static void start() throws Exception {
        System.setProperty("edge.cache.dir", dir.resolve("cache").toString());
        cluster = K8sTestCluster.start();
        project = new K8sProject(dir, cluster);
    }

    @AfterAll
    static void stop() {
        System.clearProperty("edge.cache.dir");
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Creates an object the way kubectl's client-side apply does: an Update by its field manager. */
    static void createAsKubectl(String collection, String json) throws Exception {
        KubeResponse r = cluster.api().request("POST", collection, Map.of("fieldManager", "kubectl-client-side-apply"),
                json.getBytes(StandardCharsets.UTF_8), "application/json");
        assertTrue(r.ok(), r.toString());
    }

    static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: app, namespace: %s}
            spec:
              selector: {matchLabels: {app: a}}
              template:
                metadata: {labels: {app: a}}
                spec:
                  containers:
                    - name: c
                      image: registry.invalid/app:1
                      env:
                        - name: NODE
                          valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
            """;

    @Test
    void fieldsOwnedByKubectlWithTheSameValuesAreTakenOverWithoutForce() throws Exception {
        String ns = "edge-adopt-same";
        createAsKubectl("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + ns + "\"}}");
        // The same Deployment as the manifest, as JSON: the server defaults fieldRef.apiVersion under kubectl's manager.
        createAsKubectl("/apis/apps/v1/namespaces/" + ns + "/deployments", """
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"app","namespace":"%s"},
                 "spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},
                 "spec":{"containers":[{"name":"c","image":"registry.invalid/app:1",
                 "env":[{"name":"NODE","valueFrom":{"fieldRef":{"fieldPath":"spec.nodeName"}}}]}]}}}}
                """.formatted(ns));
        project.write("adopt.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + ns + "}\n---\n" + DEPLOYMENT.formatted(ns));
        project.write("adopt.yml", """
                - hosts: k8s
                  tasks:
                    - name: adopt
                      k8s_manifest: {src: adopt.yaml, name: adopt-same}
                """);

        K8sProject.Run check = project.run("adopt.yml", "--check", "--diff", "--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, check.exit(), check.out());
        assertTrue(check.out().contains("Deployment " + ns + "/app field managers: take over")
                && check.out().contains("from kubectl-client-side-apply (same values"), check.out());

        K8sProject.Run first = project.run("adopt.yml");
        assertEquals(0, first.exit(), "no force needed: nothing truly differs\n" + first.out());
        Map<String, Object> live = cluster.api().request("GET", "/apis/apps/v1/namespaces/" + ns + "/deployments/app", Map.of(),
                null, null).json();
        String env = edge.core.Json.compact(ObjectTree.at(live, "spec", "template", "spec", "containers"));
        assertTrue(env.contains("\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":\"spec.nodeName\"}"), env);

        K8sProject.Run second = project.run("adopt.yml", "--detailed-exitcode");
        assertEquals(0, second.exit(), "the second run changes nothing\n" + second.out());
        assertEquals(0, second.result("adopt").path("changed_objects").asInt(), second.out());
    }

    @Test
    void aFieldAnotherManagerSetToAnotherValueIsARealConflictNamedWithTheWayOut() throws Exception {
        String ns = "edge-adopt-other";
        createAsKubectl("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + ns + "\"}}");
        createAsKubectl("/api/v1/namespaces/" + ns + "/configmaps",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"settings\",\"namespace\":\"" + ns
                        + "\"},\"data\":{\"mode\":\"by-hand\"}}");
        project.write("other.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + ns + "}\n---\n"
                + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: " + ns + "}\ndata: {mode: by-edge}\n");
        project.write("other.yml", """
                - hosts: k8s
                  tasks:
                    - name: conflict
                      k8s_manifest: {src: other.yaml, name: adopt-other}
                """);
        K8sProject.Run r = project.run("other.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exit(), r.out());
        String msg = r.result("conflict").path("msg").asText();
        assertTrue(msg.contains("ConfigMap " + ns + "/settings") && msg.contains(".data.mode")
                && msg.contains("conflict with \"kubectl-client-side-apply\", which set \"by-hand\"")
                && msg.contains("edge's value: \"by-edge\"")
                && msg.contains("force: true"), msg);
        Map<String, Object> live = cluster.api().request("GET", "/api/v1/namespaces/" + ns + "/configmaps/settings", Map.of(), null, null)
                .json();
        assertEquals("by-hand", ObjectTree.at(live, "data", "mode"), "nothing was changed");
    }
}
