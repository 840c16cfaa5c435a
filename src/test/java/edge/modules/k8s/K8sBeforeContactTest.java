package edge.modules.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import edge.cli.Cli;
import edge.cli.ExitCodes;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens before edge changes anything, without a cluster: downloads pinned by sha256 (and
 * cached per user), refusals before contact, the compatibility check at plan time, validate-time
 * errors with file:line, an unreachable API server. A scripted HTTP server on 127.0.0.1 stands in for
 * both the download site and the API server and records every request.
 */
class K8sBeforeContactTest {
    @TempDir
    Path dir;
    FakeApiServer fake;
    K8sProject project;
    byte[] manifest;
    String sha;

    @BeforeEach
    void setUp() throws Exception {
        System.setProperty("edge.cache.dir", dir.resolve("cache").toString());
        Map.Entry<Path, String> m = K8sTestCluster.manifest("0.14.8");
        manifest = Files.readAllBytes(m.getKey());
        sha = m.getValue();
        fake = new FakeApiServer();
        fake.route("/metallb/v0.14.8/metallb-native.yaml", manifest);
        project = new K8sProject(dir, fake.kubeconfig(dir), null);
    }

    @AfterEach
    void tearDown() {
        fake.close();
        System.clearProperty("edge.cache.dir");
    }

    private void manifestPlaybook(String url, String sha256) throws Exception {
        project.write("site.yml", """
                - hosts: k8s
                  tasks:
                    - name: MetalLB manifest
                      k8s_manifest:
                        url: "%s"
                        sha256: "%s"
                """.formatted(url, sha256));
    }

    @Test
    void downloadIsVerifiedCachedAndTheKnownBadKubernetesVersionIsRefusedBeforeAnyChange() throws Exception {
        fake.version("v1.36.0");
        String url = fake.url() + "/metallb/v0.14.8/metallb-native.yaml";
        manifestPlaybook(url, sha);
        K8sProject.Run r = project.run("site.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exit(), r.out());
        String msg = r.result("MetalLB manifest").path("msg").asText();
        assertTrue(msg.contains("MetalLB 0.14.8: CRD bgppeers.metallb.io declares spec.myASN, spec.peerASN"), msg);
        assertTrue(msg.contains("metallb#3034") && msg.contains("use MetalLB >= 0.16.0"), msg);
        assertEquals(List.of("GET /version"), fake.apiRequests(), "only the version was read");
        Path cached = dir.resolve("cache/manifests/" + sha + ".yaml");
        assertTrue(Files.exists(cached), "cached by sha256");

        // compatibility: warn goes on (and then fails on the fake's missing API, which is fine here)
        // second run: served from the cache, no download
        int downloads = (int) fake.requests().stream().filter(s -> s.endsWith(".yaml")).count();
        project.run("site.yml");
        assertEquals(downloads, fake.requests().stream().filter(s -> s.endsWith(".yaml")).count(), "no second download");
    }

    @Test
    void aDownloadThatDoesNotMatchItsSha256IsRefusedBeforeContactAndNotCached() throws Exception {
        fake.version("v1.35.4");
        byte[] tampered = new String(manifest, java.nio.charset.StandardCharsets.UTF_8)
                .replace("quay.io/metallb/controller:v0.14.8", "evil.example/controller:v0.14.8").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        fake.route("/metallb/v0.14.8/metallb-native.yaml", tampered);
        manifestPlaybook(fake.url() + "/metallb/v0.14.8/metallb-native.yaml", sha);
        K8sProject.Run r = project.run("site.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exit(), r.out());
        String msg = r.result("MetalLB manifest").path("msg").asText();
        assertTrue(msg.startsWith("sha256 mismatch for " + fake.url()), msg);
        assertTrue(msg.contains("nothing was sent to the cluster"), msg);
        assertEquals(List.of(), fake.apiRequests(), "the API server was not contacted");
        assertFalse(Files.exists(dir.resolve("cache/manifests/" + sha + ".yaml")));
    }

    @Test
    void aBgpPeerIsRefusedAtPlanTimeWhenTheClusterCrdBreaksOnKubernetes136() throws Exception {
        fake.version("v1.36.1");
        fake.json("/apis/metallb.io/v1beta2", Map.of("kind", "APIResourceList", "groupVersion", "metallb.io/v1beta2",
                "resources", List.of(Map.of("name", "bgppeers", "kind", "BGPPeer", "namespaced", true, "singularName", "bgppeer",
                        "verbs", List.of("get", "patch")))));
        Map<String, Object> crd = v0148Crd("bgppeers.metallb.io");
        fake.json("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/bgppeers.metallb.io", crd);
        project.write("peer.yml", """
                - hosts: k8s
                  tasks:
                    - name: peer
                      k8s_resource:
                        definition:
                          apiVersion: metallb.io/v1beta2
                          kind: BGPPeer
                          metadata: {name: pfsense, namespace: metallb-system}
                          spec: {myASN: 64500, peerASN: 64501, peerAddress: 192.168.4.1}
                """);
        K8sProject.Run r = project.run("peer.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exit(), r.out());
        assertTrue(r.result("peer").path("msg").asText().contains("metallb#3034"), r.out());
        assertTrue(fake.apiRequests().stream().allMatch(s -> s.startsWith("GET ")), fake.apiRequests().toString());
    }

    private Map<String, Object> v0148Crd(String name) throws Exception {
        Path p = K8sTestCluster.manifest("0.14.8").getKey();
        for (Manifest.Doc d : Manifest.parse(p.toString(), Files.readAllBytes(p)).docs()) {
            if (d.ref().name().equals(name)) {
                return new ObjectMapper().convertValue(d.body(), Map.class);
            }
        }
        throw new AssertionError(name);
    }

    @Test
    void discoveryFetchesOnlyUsedGroupVersionsAndRefreshesOnceOnAMiss() throws Exception {
        fake.json("/apis/metallb.io/v1beta1", Map.of("kind", "APIResourceList", "groupVersion", "metallb.io/v1beta1",
                "resources", List.of(Map.of("name", "ipaddresspools", "kind", "IPAddressPool", "namespaced", true),
                        Map.of("name", "ipaddresspools/status", "kind", "IPAddressPool", "namespaced", true))));
        try (edge.transport.k8s.KubeConnection c = edge.transport.k8s.KubeConnection.open(
                new edge.transport.k8s.KubeTarget(fake.kubeconfig(dir), null, "test"))) {
            edge.transport.k8s.ApiDiscovery d = c.discovery();
            assertEquals("/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools/p",
                    d.find("metallb.io/v1beta1", "IPAddressPool").orElseThrow().path("metallb-system", "p"));
            d.find("metallb.io/v1beta1", "IPAddressPool");
            assertEquals(List.of("GET /apis/metallb.io/v1beta1"), fake.apiRequests(), "kept in memory");
            assertTrue(d.find("metallb.io/v1beta1", "BGPPeer").isEmpty());
            assertTrue(d.find("metallb.io/v1beta1", "BGPPeer").isEmpty());
            assertEquals(2, fake.apiRequests().size(), "one refresh on a miss, then the miss is remembered");
            d.invalidate("metallb.io/v1beta1");
            d.find("metallb.io/v1beta1", "IPAddressPool");
            assertEquals(3, fake.apiRequests().size(), "fetched again after its CRDs changed");
            assertTrue(d.find("example.com/v1", "Thing").isEmpty(), "a group-version that is not served (404)");
            assertEquals(Map.of("GET", 4L, "mutating", 0L, "total", 4L), c.counter().since(Map.of()));
        }
    }

    @Test
    void anUnreachableApiServerMakesTheHostsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        project = new K8sProject(dir, FakeApiServer.writeKubeconfig(dir, "https://127.0.0.1:" + port), null);
        project.write("facts.yml", """
                - hosts: k8s
                  tasks:
                    - k8s_facts: {}
                """);
        K8sProject.Run r = project.run("facts.yml");
        assertEquals(ExitCodes.HOST_UNREACHABLE, r.exit(), r.out());
        assertTrue(r.out().contains("unreachable"), r.out());
    }

    @Test
    void aMissingKubeconfigNamesWhereToSetIt() throws Exception {
        project = new K8sProject(dir, dir.resolve("no-such-kubeconfig"), null);
        project.write("facts.yml", """
                - hosts: k8s
                  tasks:
                    - name: facts
                      k8s_facts: {}
                """);
        K8sProject.Run r = project.run("facts.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exit(), r.out());
        String msg = r.result("facts").path("msg").asText();
        assertTrue(msg.contains("does not exist") && msg.contains("k8s_kubeconfig"), msg);
    }

    /** An inventory of two k8s hosts with these group variables. */
    private void inventory(String vars) throws Exception {
        project.write("inventory/hosts.yml", """
                all:
                  children:
                    k8s:
                      vars:
                %s
                      hosts:
                        k8smaster1:
                        k8snode1:
                """.formatted(vars.strip().indent(8).stripTrailing()));
        project.write("facts.yml", """
                - hosts: k8s
                  tasks:
                    - name: facts
                      k8s_facts: {}
                """);
    }

    @Test
    void aClusterVariableThatCannotBeReadIsTheUsersErrorNamingTheVariable() throws Exception {
        String unset = "EDGE_TEST_SURELY_UNSET_KUBECONFIG";
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv(unset) == null, unset + " is set");
        // Built from two parts, so that validation cannot see the name and the failure happens when the module reads it
        // (a literal lookup of an unset variable is refused before the run: BrokenInputTest).
        inventory("k8s_kubeconfig: \"{{ lookup('env', 'EDGE_TEST_' ~ 'SURELY_UNSET_KUBECONFIG') }}\"");
        K8sProject.Run r = project.run("facts.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exit(), r.out());
        String msg = r.result("facts").path("msg").asText();
        assertTrue(msg.startsWith("cannot read the variable k8s_kubeconfig (the kubeconfig file of the Kubernetes tasks): "), msg);
        assertTrue(msg.contains("environment variable " + unset + " is not set"), msg);
        assertTrue(msg.endsWith("; fix k8s_kubeconfig where it is set (inventory, group or host vars, extra vars), or give the"
                + " task's kubeconfig argument"), msg);
        assertFalse(r.out().contains("internal error"), r.out());
        assertEquals(1, r.out().split("\"msg\":\"cannot read the variable k8s_kubeconfig", -1).length - 1,
                "the module ran once for the cluster, not once per host\n" + r.out());
        assertEquals(List.of(), fake.requests());

        inventory("k8s_kubeconfig: \"" + fake.kubeconfig(dir) + "\"\nk8s_context: \"{{ no_such_variable.context }}\"");
        K8sProject.Run ctx = project.run("facts.yml");
        assertEquals(ExitCodes.HOST_FAILED, ctx.exit(), ctx.out());
        String ctxMsg = ctx.result("facts").path("msg").asText();
        assertTrue(ctxMsg.startsWith("cannot read the variable k8s_context (the kubeconfig context of the Kubernetes tasks): ")
                && ctxMsg.contains("no_such_variable") && ctxMsg.endsWith("or give the task's context argument"), ctxMsg);
        assertFalse(ctx.out().contains("internal error"), ctx.out());
        assertEquals(List.of(), fake.requests());
    }

    @Test
    void aKubeconfigOrPathTheClientCannotUseIsTheUsersErrorNamingIt() throws Exception {
        Path bad = dir.resolve("bad-kubeconfig");
        Files.writeString(bad, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "%s"}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: good, context: {cluster: c, user: u}}, {name: broken, context: 3}]
                current-context: good
                """.formatted(fake.url()));
        inventory("k8s_kubeconfig: \"" + bad + "\"\nk8s_context: broken");
        K8sProject.Run r = project.run("facts.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exit(), r.out());
        String msg = r.result("facts").path("msg").asText();
        assertTrue(msg.startsWith("cannot use context 'broken' of kubeconfig " + bad + ": "), msg);
        assertFalse(r.out().contains("internal error"), r.out());

        inventory("k8s_kubeconfig: \"kube\\0config\"");
        K8sProject.Run nul = project.run("facts.yml");
        assertEquals(ExitCodes.HOST_FAILED, nul.exit(), nul.out());
        String nulMsg = nul.result("facts").path("msg").asText();
        assertTrue(nulMsg.startsWith("cannot use the kubeconfig path from the variable k8s_kubeconfig or KUBECONFIG: ")
                && nulMsg.endsWith("; set it to the path of a kubeconfig file"), nulMsg);
        assertFalse(nul.out().contains("internal error"), nul.out());
        assertEquals(List.of(), fake.requests());
    }

    @Test
    void invalidResourcesAreRefusedAtValidateTimeWithFileAndLine() throws Exception {
        Path local = K8sTestCluster.manifest("0.14.8").getKey();
        project.write("site.yml", """
                - hosts: k8s
                  vars:
                    peer_asn: 64501
                  tasks:
                    - name: MetalLB manifest
                      k8s_manifest:
                        url: "%s"
                        sha256: "%s"
                    - name: resources
                      k8s_resource:
                        definition:
                          - apiVersion: metallb.io/v1beta1
                            kind: IPAddressPool
                            metadata: {name: p, namespace: metallb-system}
                            spec:
                              addresses:
                                - 192.168.32.1
                          - apiVersion: metallb.io/v1beta2
                            kind: BGPPeer
                            metadata: {name: q, namespace: metallb-system}
                            spec:
                              myASN: 64500
                              peerASN: "{{ peer_asn }}x"
                              peerAddress: 192.168.4.1
                    - name: as text
                      k8s_resource:
                        definition: |
                          apiVersion: metallb.io/v1beta1
                          kind: BGPAdvertisement
                          metadata: {name: a, namespace: metallb-system}
                          spec:
                            localPref: 100
                            communities: ["65535:65282"]
                            aggregationLenght: 24
                """.formatted(local.toUri(), sha));
        Cli.Result r = project.validate("site.yml");
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r.all());
        String f = dir.resolve("site.yml").toString();
        assertTrue(r.all().contains(f + ":17:19: spec.addresses[0]: \"192.168.32.1\" is a bare address, not a CIDR: write 192.168.32.1/32"),
                r.all());
        assertTrue(r.all().contains(f + ":23:24: spec.peerASN: must be an integer, got \"64501x\" (a string)"), r.all());
        assertTrue(r.all().contains(f + ":34:13: spec.aggregationLenght: unknown field \"aggregationLenght\""), r.all());
        assertEquals(List.of(), fake.requests(), "validate contacts nothing");

        project.write("site.yml", Files.readString(dir.resolve("site.yml")).replace("- 192.168.32.1", "- 192.168.32.0/24")
                .replace("}}x", "}}").replace("aggregationLenght", "aggregationLength"));
        Cli.Result ok = project.validate("site.yml");
        assertEquals(0, ok.exitCode(), ok.all());
    }

    @Test
    void aLocalManifestWithTheWrongSha256IsRefusedAtValidateTime() throws Exception {
        Path local = K8sTestCluster.manifest("0.14.9").getKey();
        manifestPlaybook(local.toUri().toString(), sha);
        Cli.Result r = project.validate("site.yml");
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r.all());
        assertTrue(r.all().contains("sha256: sha256 mismatch: " + local + " has "), r.all());
        project.write("nosha.yml", """
                - hosts: k8s
                  tasks:
                    - k8s_manifest: {url: "https://example.invalid/m.yaml"}
                """);
        Cli.Result noSha = project.validate("nosha.yml");
        assertEquals(ExitCodes.INVALID_INPUT, noSha.exitCode(), noSha.all());
        assertTrue(noSha.all().contains("sha256"), noSha.all());
    }
}
