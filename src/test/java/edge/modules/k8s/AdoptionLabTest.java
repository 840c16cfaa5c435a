package edge.modules.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.cli.ExitCodes;
import edge.transport.k8s.KubeResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A site whose objects someone else created first (as {@code kubectl apply} does: a create by field
 * manager {@code kubectl-client-side-apply}), against a real API server: edge's first run without
 * {@code force} takes over the fields whose values it would not change, a second run changes nothing,
 * and a field another manager set to another value stops the run with a message naming the field, the
 * manager and the way out. Each test uses its own namespace.
 */
class AdoptionLabTest extends K8sLabTest {
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

    /** Runs the lab's kubectl (built from the same module and version as its kube-apiserver) against the lab. */
    static Cmd kubectl(K8sTestCluster on, String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                edge.testlab.k8s.LabBinaries.require().resolve("kubectl").toString(), "--kubeconfig", on.kubeconfig().toString()));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new Cmd(p.exitValue(), out);
    }

    /** A command's exit status and output. */
    record Cmd(int exit, String out) {
    }

    /**
     * Each way a user may have installed MetalLB by hand, on a fresh control plane: the manual's
     * {@code kubectl apply -f metallb-native.yaml} (v0.14.8, client-side), {@code kubectl apply
     * --server-side}, {@code kubectl create -f}; then the manual's three documents the same way; then the
     * project's site.yml, MetalLB part, with its default arguments (no force). edge's first run succeeds;
     * the second changes nothing; and kubectl's own diff finds nothing edge wrote.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "kubectl {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"apply", "apply --server-side", "create"})
    void aSiteInstalledWithKubectlIsAdoptedWithoutForceAndNeitherToolUndoesTheOther(String how) throws Exception {
        try (K8sTestCluster fresh = K8sTestCluster.start()) {
            adopt(fresh, how, dir.resolve(how.replace(' ', '_').replace("-", "")));
        }
    }

    private static void adopt(K8sTestCluster on, String how, Path work) throws Exception {
        java.nio.file.Files.createDirectories(work);
        String[] install = how.split(" ");
        Map.Entry<Path, String> manifest = K8sTestCluster.manifest("0.14.8");
        Cmd applied = kubectl(on, concat(install, "-f", manifest.getKey().toString()));
        assertEquals(0, applied.exit(), applied.out());
        Path docs = work.resolve("manual-docs.yaml");
        java.nio.file.Files.writeString(docs, """
                apiVersion: metallb.io/v1beta1
                kind: IPAddressPool
                metadata: {name: metallb-pool, namespace: metallb-system}
                spec:
                  addresses: [192.168.32.0/24]
                ---
                apiVersion: metallb.io/v1beta1
                kind: BGPAdvertisement
                metadata: {name: metallb-advertisment, namespace: metallb-system}
                spec:
                  ipAddressPools: [metallb-pool]
                  localPref: 100
                  communities: ["65535:65282"]
                ---
                apiVersion: metallb.io/v1beta2
                kind: BGPPeer
                metadata: {name: metallb-bgppeer-pfsense, namespace: metallb-system}
                spec:
                  myASN: 64500
                  peerASN: 64501
                  peerAddress: 192.168.4.1
                """);
        // MetalLB's webhook serves once its controller runs: kubectl just fails until then, so retry as a person would
        Cmd three = kubectl(on, concat(install, "-f", docs.toString()));
        for (int i = 0; i < 60 && three.exit() != 0; i++) {
            Thread.sleep(2000);
            three = kubectl(on, concat(install, "-f", docs.toString()));
        }
        assertEquals(0, three.exit(), three.out());

        // the project's site.yml with a test inventory: the MetalLB play only (nothing else is contacted)
        Path project = edge.testlab.k8s.LabBinaries.projectDir();
        K8sProject site = new K8sProject(work.resolve("site"), on);
        site.write("inventory/hosts.yml", """
                all:
                  children:
                    k8s:
                      hosts:
                        k8smaster1: {ansible_host: 192.168.4.11}
                        k8snode1: {ansible_host: 192.168.4.12}
                        k8snode2: {ansible_host: 192.168.4.13}
                    firewalls:
                      hosts:
                        pfsense: {ansible_host: 192.168.4.1}
                """);
        for (String g : new String[] {"all", "k8s", "firewalls"}) {
            site.write("inventory/group_vars/" + g + "/site.yml",
                    java.nio.file.Files.readString(project.resolve("inventory/group_vars/" + g + ".yml")));
        }
        site.write("inventory/group_vars/all/zz-lab.yml", "metallb_manifest_url: \"" + manifest.getKey().toUri() + "\"\n"
                + "metallb_wait_for: [Deployment, Service]\n");
        site.write("inventory/group_vars/k8s/zz-lab.yml", "k8s_kubeconfig: " + on.kubeconfig() + "\n");
        String[] metallbOnly = {"--tags", "metallb", "-e", "frr_master_password=not-used-here"};
        K8sProject.Run check = site.run(project.resolve("playbooks/site.yml"), concat(metallbOnly, "--check", "--diff"));
        assertEquals(0, check.exit(), check.out());
        if (how.equals("apply")) {
            // the client-side apply's manager owns fields whose structs the server completed: taken over, shown first
            assertTrue(check.out().contains("field managers: take over") && check.out().contains("from kubectl-client-side-apply"),
                    "--check --diff shows the takeover first\n" + check.out());
        }

        K8sProject.Run first = site.run(project.resolve("playbooks/site.yml"), metallbOnly);
        assertEquals(0, first.exit(), "no force needed after the manual's kubectl apply\n" + first.out());
        K8sProject.Run second = site.run(project.resolve("playbooks/site.yml"), concat(metallbOnly, "--detailed-exitcode"));
        assertEquals(0, second.exit(), "the second run changes nothing\n" + second.out());

        // kubectl's diff of the manifest: the only differences are the CRDs' conversion caBundle, which MetalLB's
        // cert-controller fills in after any apply (the manifest carries a placeholder; edge leaves that field to the
        // controller), and the generation that follows from it. Nothing edge wrote differs from what kubectl would apply.
        String[] diffHow = how.contains("--server-side") ? new String[] {"diff", "--server-side"} : new String[] {"diff"};
        Cmd diff = kubectl(on, concat(diffHow, "-f", manifest.getKey().toString()));
        for (String line : diff.out().split("\n")) {
            if ((line.startsWith("+") || line.startsWith("-")) && !line.startsWith("+++") && !line.startsWith("---")) {
                assertTrue(line.matches("[-+]\\s+(caBundle|generation): .*"), "only the controller's caBundle differs: " + line
                        + "\n" + diff.out().lines().filter(l -> !l.contains("last-applied")).toList());
            }
        }
        Cmd diffDocs = kubectl(on, concat(diffHow, "-f", docs.toString()));
        assertEquals(0, diffDocs.exit(), diffDocs.out());
        K8sProject.Run third = site.run(project.resolve("playbooks/site.yml"), concat(metallbOnly, "--detailed-exitcode"));
        assertEquals(0, third.exit(), "and edge finds nothing after kubectl's diff\n" + third.out());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
