package edge.modules.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import edge.cli.ExitCodes;
import edge.transport.k8s.KubeConnection;
import edge.transport.k8s.KubeResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * k8s_manifest's record of what it applied, against a real control plane (the k8s lab, or
 * -Dedge.k8s.kubeconfig): a record someone else edited is not a list of things to delete, a
 * record forged under edge's own field manager still cannot reach beyond the manifest's kinds and
 * namespaces or objects edge did not apply, objects that left the manifest are no drift on later
 * runs, and k8s_resource in --check names the versions a manifest's CRD serves. Each test uses its
 * own namespace and record.
 */
class ManifestRecordLabTest extends K8sLabTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A manifest: Namespace {@code ns} and one ConfigMap per name in it. */
    static String manifest(String ns, String... configMaps) {
        StringBuilder sb = new StringBuilder("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: %s}
                """.formatted(ns));
        for (String cm : configMaps) {
            sb.append("""
                    ---
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: %s, namespace: %s}
                    data: {k: v}
                    """.formatted(cm, ns));
        }
        return sb.toString();
    }

    static void playbook(String file, String src, String name, boolean prune) throws Exception {
        project.write(file, """
                - hosts: k8s
                  tasks:
                    - name: small manifest
                      k8s_manifest: {src: %s, name: %s, prune: %s}
                """.formatted(src, name, prune));
    }

    static String cmPath(String ns, String name) {
        return "/api/v1/namespaces/" + ns + "/configmaps/" + name;
    }

    /** Creates an object as someone other than edge (a plain POST). */
    static void create(String collection, String json) throws Exception {
        KubeResponse r = cluster.api().request("POST", collection, Map.of("fieldManager", "someone-else"),
                json.getBytes(StandardCharsets.UTF_8), "application/json");
        assertTrue(r.ok() || r.code() == 409, r.toString());
    }

    static void createNamespace(String ns) throws Exception {
        create("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + ns + "\"}}");
    }

    static void createConfigMap(String ns, String name) throws Exception {
        create("/api/v1/namespaces/" + ns + "/configmaps", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
                + name + "\",\"namespace\":\"" + ns + "\"},\"data\":{\"precious\":\"yes\"}}");
    }

    /** The record's object list plus {@code extra} entries, as the JSON text of data.objects. */
    static String objectsWith(Map<String, Object> record, List<Map<String, Object>> extra) throws Exception {
        List<Map<String, Object>> list = new ArrayList<>();
        ManifestRecord.objects(record).forEach(o -> list.add(o.toMap()));
        list.addAll(extra);
        return JSON.writeValueAsString(list);
    }

    static Map<String, Object> entry(String apiVersion, String kind, String ns, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("apiVersion", apiVersion);
        m.put("kind", kind);
        if (ns != null) {
            m.put("namespace", ns);
        }
        m.put("name", name);
        return m;
    }

    /** Field managers that own something under data of a live object. */
    static List<String> dataManagers(Map<String, Object> obj) {
        List<String> out = new ArrayList<>();
        for (Object o : ObjectTree.list(ObjectTree.at(obj, "metadata", "managedFields"))) {
            Map<String, Object> e = ObjectTree.map(o);
            if (ObjectTree.map(e.get("fieldsV1")).containsKey("f:data")) {
                out.add(e.get("manager") + "/" + e.get("operation"));
            }
        }
        return out;
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void aRecordEditedByAnotherFieldManagerIsNotPrunedFromAndNothingIsDeleted() throws Exception {
        String ns = "edge-tamper";
        String record = cmPath(ns, "edge-manifest-tamper");
        project.write("tamper.yaml", manifest(ns, "a", "b"));
        playbook("tamper.yml", "tamper.yaml", "tamper", true);
        K8sProject.Run first = project.run("tamper.yml");
        assertEquals(0, first.exit(), first.out());
        assertEquals(List.of("edge/Apply"), dataManagers(cluster.get(record)), "edge's apply alone writes its record");

        // Someone who may edit ConfigMaps in edge-tamper adds a namespace and an object elsewhere to the record.
        createNamespace("prod");
        createConfigMap("prod", "keep");
        String objects = objectsWith(cluster.get(record), List.of(entry("v1", "Namespace", null, "prod"),
                entry("v1", "ConfigMap", "prod", "keep")));
        KubeResponse edited = cluster.patch(record, JSON.writeValueAsString(Map.of("data", Map.of("objects", objects))),
                "application/merge-patch+json", "kubectl-edit");
        assertTrue(edited.ok(), edited.toString());
        // b leaves the manifest: a real prune is due as well, and must not happen from this record either.
        project.write("tamper.yaml", manifest(ns, "a"));

        for (String[] args : List.of(new String[] {"--check"}, new String[0])) {
            K8sProject.Run r = project.run("tamper.yml", args);
            assertEquals(ExitCodes.HOST_FAILED, r.exit(), r.out());
            String msg = r.result("small manifest").path("msg").asText();
            assertTrue(msg.contains("edge's record ConfigMap edge-tamper/edge-manifest-tamper was not written by edge alone")
                    && msg.contains("field manager \"kubectl-edit\"") && msg.contains("Refusing to prune"), msg);
            assertEquals(0L, r.requests().getOrDefault("mutating", 0L), "refused before any change: " + r.requests());
        }
        assertNotNull(cluster.get("/api/v1/namespaces/prod"), "namespace prod not deleted");
        assertNotNull(cluster.get(cmPath("prod", "keep")));
        assertNotNull(cluster.get(cmPath(ns, "b")), "nothing pruned from a tampered record");

        // Way out: one run with prune: false rewrites the record from the manifest, as edge's own again.
        playbook("tamper.yml", "tamper.yaml", "tamper", false);
        K8sProject.Run rewrite = project.run("tamper.yml");
        assertEquals(0, rewrite.exit(), rewrite.out());
        assertTrue(rewrite.result("small manifest").path("msg").asText().contains("\"kubectl-edit\""), rewrite.out());
        Map<String, Object> rewritten = cluster.get(record);
        assertEquals(List.of("edge/Apply"), dataManagers(rewritten), "edge owns its record's data again");
        assertEquals(List.of("Namespace edge-tamper", "ConfigMap edge-tamper/a"),
                ManifestRecord.objects(rewritten).stream().map(ObjectRef::display).toList());

        playbook("tamper.yml", "tamper.yaml", "tamper", true);
        K8sProject.Run pruneAgain = project.run("tamper.yml", "--detailed-exitcode");
        assertEquals(0, pruneAgain.exit(), pruneAgain.out());
        assertNotNull(cluster.get("/api/v1/namespaces/prod"));
        assertNotNull(cluster.get(cmPath("prod", "keep")));
    }

    @Test
    void aRecordForgedUnderEdgesOwnManagerStillPrunesOnlyWhatEdgeAppliedInTheManifestsKindsAndNamespaces() throws Exception {
        String ns = "edge-forged";
        String record = cmPath(ns, "edge-manifest-forged");
        project.write("forged.yaml", manifest(ns, "a", "b"));
        playbook("forged.yml", "forged.yaml", "forged", true);
        assertEquals(0, project.run("forged.yml").exit());

        // Objects edge never applied: in the manifest's namespace and kind, a Namespace (a kind the manifest has),
        // in another namespace, of another kind.
        createConfigMap(ns, "foreign");
        createNamespace("prod2");
        createConfigMap("default", "victim");
        create("/api/v1/namespaces/" + ns + "/secrets", "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\","
                + "\"namespace\":\"" + ns + "\"}}");
        Map<String, Object> live = cluster.get(record);
        String objects = objectsWith(live, List.of(
                entry("v1", "ConfigMap", ns, "foreign"),
                entry("v1", "Namespace", null, "prod2"),
                entry("v1", "Namespace", ns, "prod2"),
                entry("v1", "ConfigMap", "default", "victim"),
                entry("v1", "Secret", ns, "s"),
                entry("v1", "ConfigMap", ns, "../../../namespaces/prod2"),
                entry("rbac.authorization.k8s.io/v1", "ClusterRole", null, "cluster-admin")));
        // Forged with edge's own field manager and operation (server-side apply), which managedFields cannot tell apart.
        Map<String, Object> forged = Map.of("apiVersion", "v1", "kind", "ConfigMap",
                "metadata", Map.of("name", "edge-manifest-forged", "namespace", ns),
                "data", Map.of("objects", objects, "source", ObjectTree.at(live, "data", "source"), "sha256", ObjectTree.at(live, "data", "sha256")));
        KubeResponse r = cluster.api().request("PATCH", record, Map.of("fieldManager", "edge", "force", "true"),
                JSON.writeValueAsBytes(forged), KubeConnection.APPLY_PATCH);
        assertTrue(r.ok(), r.toString());
        project.write("forged.yaml", manifest(ns, "a"));

        K8sProject.Run check = project.run("forged.yml", "--check", "--diff");
        assertEquals(0, check.exit(), check.out());
        assertTrue(check.out().contains("- ConfigMap edge-forged/b: left the manifest: delete"), check.out());
        K8sProject.Run run = project.run("forged.yml");
        assertEquals(0, run.exit(), run.out());
        JsonNode result = run.result("small manifest").path("result");
        assertEquals(List.of("ConfigMap edge-forged/b"), texts(result.path("pruned")), result.toString());
        List<String> ignored = texts(result.path("record_ignored"));
        assertEquals(7, ignored.size(), ignored.toString());
        assertTrue(ignored.contains("ConfigMap edge-forged/foreign (not applied by edge: no server-side apply of field manager"
                + " \"edge\" on it)"), ignored.toString());
        assertTrue(ignored.contains("Namespace prod2 (not applied by edge: no server-side apply of field manager \"edge\" on it)"),
                ignored.toString());
        assertTrue(ignored.contains("Namespace edge-forged/prod2 (recorded with a namespace, but Namespace is cluster-scoped)"),
                ignored.toString());
        assertTrue(ignored.contains("ConfigMap default/victim (namespace default is not one the manifest uses)"), ignored.toString());
        assertTrue(ignored.contains("Secret edge-forged/s (the manifest has no Secret)"), ignored.toString());
        assertTrue(ignored.contains("ConfigMap edge-forged/../../../namespaces/prod2 (not a valid object name)"), ignored.toString());
        assertTrue(ignored.contains("ClusterRole cluster-admin (the manifest has no ClusterRole of rbac.authorization.k8s.io)"),
                ignored.toString());
        assertTrue(run.result("small manifest").path("msg").asText().contains("lists 7 object(s) that edge does not prune"), run.out());

        for (String path : List.of(cmPath(ns, "foreign"), "/api/v1/namespaces/prod2", cmPath("default", "victim"),
                "/api/v1/namespaces/" + ns + "/secrets/s", "/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin",
                cmPath(ns, "a"))) {
            Map<String, Object> obj = cluster.get(path);
            assertNotNull(obj, path + " still exists");
            assertNull(ObjectTree.at(obj, "metadata", "deletionTimestamp"), path + " not being deleted");
        }
        // The forged entries were dropped from the record: the next run is no change.
        assertEquals(List.of("Namespace edge-forged", "ConfigMap edge-forged/a"),
                ManifestRecord.objects(cluster.get(record)).stream().map(ObjectRef::display).toList());
        K8sProject.Run again = project.run("forged.yml", "--detailed-exitcode");
        assertEquals(0, again.exit(), again.out());
    }

    @Test
    void objectsThatLeftTheManifestAreRecordedAsStaleOnceAndAreNoChangeOnLaterRuns() throws Exception {
        String ns = "edge-stale";
        project.write("stale.yaml", manifest(ns, "a", "b", "c"));
        playbook("stale.yml", "stale.yaml", "stale", false);
        assertEquals(0, project.run("stale.yml").exit());

        project.write("stale.yaml", manifest(ns, "a"));
        // The first run records the new manifest (its sha256) and keeps b and c in the record as stale.
        K8sProject.Run first = project.run("stale.yml");
        assertEquals(0, first.exit(), first.out());
        assertEquals(List.of("ConfigMap edge-stale/b", "ConfigMap edge-stale/c"),
                texts(first.result("small manifest").path("result").path("stale")));
        for (int i = 1; i <= 2; i++) {
            K8sProject.Run r = project.run("stale.yml", "--detailed-exitcode", "--diff");
            assertEquals(0, r.exit(), "run " + i + " after two objects left the manifest\n" + r.out());
            assertEquals(0, r.changedTasks(), r.out());
            assertEquals(0L, r.requests().getOrDefault("mutating", 0L), r.requests().toString());
            JsonNode result = r.result("small manifest").path("result");
            assertEquals(List.of("ConfigMap edge-stale/b", "ConfigMap edge-stale/c"), texts(result.path("stale")), result.toString());
        }
        assertEquals(List.of("Namespace edge-stale", "ConfigMap edge-stale/a", "ConfigMap edge-stale/b", "ConfigMap edge-stale/c"),
                ManifestRecord.objects(cluster.get(cmPath(ns, "edge-manifest-stale"))).stream().map(ObjectRef::display).toList());
        assertNotNull(cluster.get(cmPath(ns, "b")));
        assertNotNull(cluster.get(cmPath(ns, "c")));

        // With prune: true both go, in reverse order of the record, and the record keeps the rest.
        playbook("stale.yml", "stale.yaml", "stale", true);
        K8sProject.Run pruned = project.run("stale.yml");
        assertEquals(0, pruned.exit(), pruned.out());
        assertEquals(List.of("ConfigMap edge-stale/c", "ConfigMap edge-stale/b"),
                texts(pruned.result("small manifest").path("result").path("pruned")));
        K8sProject.Run again = project.run("stale.yml", "--detailed-exitcode");
        assertEquals(0, again.exit(), again.out());
    }

    @Test
    void checkOnAnApiVersionTheManifestsCrdDoesNotServeNamesTheServedVersions() throws Exception {
        project.write("widgets.yaml", """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: widgets.example.com}
                spec:
                  group: example.com
                  scope: Namespaced
                  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
                  versions:
                    - name: v1
                      served: true
                      storage: true
                      schema:
                        openAPIV3Schema:
                          type: object
                          properties:
                            spec:
                              type: object
                              properties:
                                size: {type: integer}
                """);
        project.write("widgets.yml", """
                - hosts: k8s
                  tasks:
                    - name: widgets manifest
                      k8s_manifest: {src: widgets.yaml, name: widgets}
                    - name: api version known only at run time
                      set_fact: {widget_api: example.com/v2}
                    - name: widget
                      k8s_resource:
                        definition:
                          apiVersion: "{{ widget_api }}"
                          kind: Widget
                          metadata: {name: w, namespace: default}
                          spec: {size: 1}
                """);
        K8sProject.Run r = project.run("widgets.yml", "--check");
        assertEquals(ExitCodes.HOST_FAILED, r.exit(), r.out());
        String msg = r.result("widget").path("msg").asText();
        assertEquals("Widget default/w: the cluster does not serve kind Widget in example.com/v2 (the manifest's CRD serves [v1])", msg);
        assertFalse(r.out().contains("internal error"), r.out());
        assertNull(cluster.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com"), "--check created nothing");

        // The served version plans fine in --check.
        project.write("widgets.yml", java.nio.file.Files.readString(dir.resolve("widgets.yml")).replace("example.com/v2", "example.com/v1"));
        K8sProject.Run ok = project.run("widgets.yml", "--check", "--diff");
        assertEquals(0, ok.exit(), ok.out());
        assertTrue(ok.out().contains("Widget default/w: CRD not installed yet: would create"), ok.out());
    }
}
