package edge.testlab.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1LoadBalancerIngress;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeAddress;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import io.kubernetes.client.util.generic.options.CreateOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Acceptance for the Kubernetes lab (issue 4): a real kube-apiserver + etcd, the real MetalLB
 * v0.14.8 manifest, and MetalLB's own controller validating the CRs through its webhooks.
 */
@Tag("k8s")
@ExtendWith(ControlPlaneExtension.class)
class ControlPlaneLabTest {
    static final String FIELD_MANAGER = "edge-lab-test";

    static final String POOL = """
            apiVersion: metallb.io/v1beta1
            kind: IPAddressPool
            metadata: {name: metallb-pool, namespace: metallb-system}
            spec:
              addresses: [192.168.32.0/24]
            """;
    static final String ADVERTISEMENT = """
            apiVersion: metallb.io/v1beta1
            kind: BGPAdvertisement
            metadata: {name: metallb-bgp-adv, namespace: metallb-system}
            spec:
              localPref: 100
              communities: ["65535:65282"]
            """;
    static final String PEER = """
            apiVersion: metallb.io/v1beta2
            kind: BGPPeer
            metadata: {name: pfsense, namespace: metallb-system}
            spec:
              myASN: 64500
              peerASN: 64501
              peerAddress: 192.168.4.1
            """;

    static ControlPlane cp;
    static ApiClient api;
    static Manifests manifests;
    static double metallbReadySeconds;

    static Path manifestPath() {
        return LabBinaries.projectDir().resolve("../shared/fixtures/metallb/metallb-native-v0.14.8.yaml").normalize();
    }

    @BeforeAll
    static void installMetalLb(ControlPlane shared) throws Exception {
        cp = shared;
        api = cp.apiClient();
        manifests = new Manifests(api);
        Path manifest = manifestPath();
        if (!Files.isRegularFile(manifest)) {
            LabBinaries.skipOrFail("MetalLB manifest not found at " + manifest + " (../shared beside the checkout)");
        }
        long t0 = System.nanoTime();
        List<JsonObject> docs = manifests.load(manifest).stream()
                .map(Manifests::withoutConversionCaBundle)
                .toList();
        assertEquals(24, docs.size(), "documents in metallb-native v0.14.8");
        manifests.applyAll(docs, FIELD_MANAGER);
        manifests.awaitCrdsEstablished(docs, Duration.ofMinutes(1));
        cp.metallb().awaitReady(Duration.ofMinutes(3));
        metallbReadySeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("k8s lab: control plane ready in %.1fs; manifest applied and MetalLB webhooks serving %.1fs later%n",
                cp.startSeconds(), metallbReadySeconds);
    }

    /**
     * Leaves MetalLB installed on the shared control plane for other test classes, but not this
     * class's pool, advertisement and peer (another class may want 192.168.32.0/24).
     */
    @AfterAll
    static void removeOwnResources() throws Exception {
        if (manifests == null || metallbReadySeconds == 0) {
            return; // MetalLB was never installed (skipped or failed before): nothing of ours to remove
        }
        manifests.dynamic("metallb.io/v1beta2", "BGPPeer").delete(MetalLbController.NAMESPACE, "pfsense");
        manifests.dynamic("metallb.io/v1beta1", "BGPAdvertisement").delete(MetalLbController.NAMESPACE, "metallb-bgp-adv");
        manifests.dynamic("metallb.io/v1beta1", "IPAddressPool").delete(MetalLbController.NAMESPACE, "metallb-pool");
    }

    @Test
    void controlPlaneRunsTheBuiltVersionsWithNodes() throws Exception {
        assertTrue(cp.server().startsWith("https://127.0.0.41:"), cp.server());
        String version = new VersionApi(api).getCode().execute().getGitVersion();
        assertEquals(LabBinaries.versions().get("K8S_VERSION"), version);

        Map<String, String> internalIps = new TreeMap<>();
        for (V1Node n : new CoreV1Api(api).listNode().execute().getItems()) {
            internalIps.put(n.getMetadata().getName(), n.getStatus().getAddresses().stream()
                    .filter(a -> "InternalIP".equals(a.getType()))
                    .map(V1NodeAddress::getAddress)
                    .collect(Collectors.joining(",")));
        }
        // (other test classes may add Nodes to the shared control plane)
        Map<String, String> expected =
                Map.of("k8smaster1", "192.168.4.11", "k8snode1", "192.168.4.12", "k8snode2", "192.168.4.13");
        expected.forEach((node, ip) -> assertEquals(ip, internalIps.get(node), "InternalIP of " + node));
    }

    @Test
    void controllerIsRunFromTheDeploymentAndTheWebhookServiceResolvesToIt() throws Exception {
        MetalLbController mlb = cp.metallb();
        assertEquals("ready", mlb.phase());
        assertTrue(ProcessHandle.of(mlb.pid()).map(ProcessHandle::isAlive).orElse(false), "controller PID alive");
        assertTrue(ProcessHandle.of(mlb.pid()).flatMap(h -> h.info().command()).orElse("").endsWith("/metallb-controller"));

        V1EndpointSlice slice = new DiscoveryV1Api(api)
                .listNamespacedEndpointSlice(MetalLbController.NAMESPACE)
                .labelSelector("kubernetes.io/service-name=metallb-webhook-service")
                .execute().getItems().get(0);
        assertEquals(List.of(mlb.podIp()), slice.getEndpoints().get(0).getAddresses());
        assertEquals(9443, slice.getPorts().get(0).getPort());
        assertEquals(Boolean.TRUE, slice.getEndpoints().get(0).getConditions().getReady());

        V1Deployment d = new AppsV1Api(api).readNamespacedDeployment("controller", MetalLbController.NAMESPACE).execute();
        assertEquals(1, d.getStatus().getAvailableReplicas());
        // the controller created the memberlist secret, as in a cluster
        assertEquals("memberlist", new CoreV1Api(api).readNamespacedSecret("memberlist", MetalLbController.NAMESPACE)
                .execute().getMetadata().getName());
    }

    @Test
    void poolAdvertisementAndPeerPassMetalLbValidation() throws Exception {
        for (String yaml : List.of(POOL, ADVERTISEMENT, PEER)) {
            KubernetesApiResponse<DynamicKubernetesObject> r = manifests.apply(manifests.parse(yaml), FIELD_MANAGER);
            assertTrue(r.isSuccess(), () -> "apply failed: HTTP " + r.getHttpStatusCode() + " "
                    + (r.getStatus() == null ? "" : r.getStatus().getMessage()));
        }
        DynamicKubernetesObject peer = manifests.dynamic("metallb.io/v1beta2", "BGPPeer")
                .get(MetalLbController.NAMESPACE, "pfsense").throwsApiException().getObject();
        JsonObject spec = peer.getRaw().getAsJsonObject("spec");
        assertEquals(64500L, spec.get("myASN").getAsLong());
        assertEquals(64501L, spec.get("peerASN").getAsLong());
        assertEquals("192.168.4.1", spec.get("peerAddress").getAsString());
        DynamicKubernetesObject adv = manifests.dynamic("metallb.io/v1beta1", "BGPAdvertisement")
                .get(MetalLbController.NAMESPACE, "metallb-bgp-adv").throwsApiException().getObject();
        assertEquals(100, adv.getRaw().getAsJsonObject("spec").get("localPref").getAsInt());
        assertEquals("65535:65282", adv.getRaw().getAsJsonObject("spec").getAsJsonArray("communities").get(0).getAsString());

        // Served in v1beta1 too, through MetalLB's conversion webhook (CA injected by the controller).
        DynamicKubernetesObject v1 = manifests.dynamic("metallb.io/v1beta1", "BGPPeer")
                .get(MetalLbController.NAMESPACE, "pfsense").throwsApiException().getObject();
        assertEquals("metallb.io/v1beta1", v1.getApiVersion());
    }

    @Test
    void bgpPeerWithKeepaliveIsDeniedByTheMetalLbWebhook() throws Exception {
        JsonObject bad = manifests.parse("""
                apiVersion: metallb.io/v1beta2
                kind: BGPPeer
                metadata: {name: with-keepalive, namespace: metallb-system}
                spec: {myASN: 64500, peerASN: 64501, peerAddress: 192.168.4.2, keepaliveTime: 30s}
                """);
        KubernetesApiResponse<DynamicKubernetesObject> r = manifests.dynamic("metallb.io/v1beta2", "BGPPeer")
                .create(MetalLbController.NAMESPACE, new DynamicKubernetesObject(bad), new CreateOptions());
        assertFalse(r.isSuccess());
        assertEquals(403, r.getHttpStatusCode());
        String msg = r.getStatus().getMessage();
        assertTrue(msg.contains("admission webhook \"bgppeersvalidationwebhook.metallb.io\" denied the request"), msg);
        assertTrue(msg.contains("keepalive-time set on native bgp mode"), msg);
        assertEquals(404, manifests.dynamic("metallb.io/v1beta2", "BGPPeer")
                .get(MetalLbController.NAMESPACE, "with-keepalive").getHttpStatusCode());
    }

    @Test
    void loadBalancerServiceGetsAnAddressFromThePool() throws Exception {
        assertTrue(manifests.apply(manifests.parse(POOL), FIELD_MANAGER).isSuccess());
        CoreV1Api core = new CoreV1Api(api);
        V1Service svc = new V1Service()
                .apiVersion("v1").kind("Service")
                .metadata(new V1ObjectMeta().name("edge-lab-web").namespace("default"))
                .spec(new V1ServiceSpec().type("LoadBalancer").selector(Map.of("app", "web"))
                        .ports(List.of(new V1ServicePort().port(80).protocol("TCP"))));
        core.createNamespacedService("default", svc).execute();
        try {
            String ip = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ip == null && System.nanoTime() < deadline) {
                V1Service s = core.readNamespacedService("edge-lab-web", "default").execute();
                List<V1LoadBalancerIngress> ing = s.getStatus() == null || s.getStatus().getLoadBalancer() == null
                        ? null : s.getStatus().getLoadBalancer().getIngress();
                if (ing != null && !ing.isEmpty()) {
                    ip = ing.get(0).getIp();
                } else {
                    Thread.sleep(200);
                }
            }
            assertTrue(ip != null && ip.matches("192\\.168\\.32\\.\\d+"), "LoadBalancer address: " + ip);
        } finally {
            core.deleteNamespacedService("edge-lab-web", "default").execute();
        }
    }

    @Test
    void freshControlPlaneIsSeparateAndStopsByPid(@ControlPlaneExtension.Fresh ControlPlane fresh) throws Exception {
        assertNotEquals(cp.server(), fresh.server());
        assertNotEquals(cp.netns(), fresh.netns());
        System.out.printf("k8s lab: fresh control plane ready in %.1fs%n", fresh.startSeconds());
        CoreV1Api core = new CoreV1Api(fresh.apiClient());
        assertEquals(3, core.listNode().execute().getItems().size());
        ApiException e = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class,
                () -> core.readNamespace("metallb-system").execute());
        assertEquals(404, e.getCode());

        List<Long> pids = List.of(fresh.supervisorPid(), fresh.pid("etcd"), fresh.pid("kube-apiserver"));
        String ns = fresh.netns();
        fresh.close();
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "PID " + pid + " stopped");
        }
        assertFalse(Files.exists(Path.of("/run/netns", ns)), "namespace " + ns + " deleted");
        assertTrue(cp.isRunning(), "shared control plane unaffected");
    }
}
