package edge.modules.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.engine.DiffRenderer;
import edge.module.Change;
import edge.transport.k8s.KubeResponse;
import edge.transport.k8s.KubeTarget;
import edge.transport.k8s.ServerVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The k8s modules' pure parts, against the real MetalLB manifests (no cluster). */
class K8sUnitTest {
    static Manifest v0148;
    static Manifest v0153;
    static CrdSchemas schemas;

    @BeforeAll
    static void load() throws Exception {
        Path p = K8sTestCluster.manifest("0.14.8").getKey();
        v0148 = Manifest.parse(p.toString(), Files.readAllBytes(p));
        Path q = K8sTestCluster.manifest("0.15.3").getKey();
        v0153 = Manifest.parse(q.toString(), Files.readAllBytes(q));
        schemas = v0148.crdSchemas();
    }

    static Map<String, Object> yaml(String text) throws Exception {
        return Definitions.objects(text).get(0);
    }

    static List<String> violations(String text) throws Exception {
        Map<String, Object> obj = yaml(text);
        CrdSchemas.Entry e = schemas.find(String.valueOf(obj.get("apiVersion")), String.valueOf(obj.get("kind"))).orElseThrow();
        List<Violation> vs = new java.util.ArrayList<>(StructuralValidator.validate(e.schema(), obj, false));
        vs.addAll(MetalLbRules.check(obj, false));
        return vs.stream().map(Violation::format).toList();
    }

    @Test
    void manifestIsParsedOrderedAndControllerOwnedFieldsAreLeftOut() {
        assertEquals(24, v0148.docs().size());
        List<Manifest.Doc> ordered = v0148.ordered();
        assertEquals("Namespace", ordered.get(0).ref().kind());
        for (int i = 1; i <= 7; i++) {
            assertEquals("CustomResourceDefinition", ordered.get(i).ref().kind());
        }
        assertEquals("0.14.8", v0148.metallbVersion());
        assertEquals(List.of("metallb-system"), v0148.namespaces());
        assertEquals(1, v0148.stripped().size());
        assertTrue(v0148.stripped().get(0).startsWith("CustomResourceDefinition bgppeers.metallb.io spec.conversion.webhook"));
        Manifest.Doc bgppeers = ordered.stream().filter(d -> d.ref().name().equals("bgppeers.metallb.io")).findFirst().orElseThrow();
        assertNull(ObjectTree.at(bgppeers.body(), "spec", "conversion", "webhook", "clientConfig", "caBundle"));
        Manifest.Doc vwc = ordered.get(ordered.size() - 1);
        assertEquals("ValidatingWebhookConfiguration", vwc.ref().kind());
        assertFalse(ObjectTree.map(vwc.body().get("metadata")).containsKey("creationTimestamp"));
        assertEquals(26, v0153.docs().size());
        assertTrue(v0153.stripped().isEmpty(), "0.15.3 ships no placeholder caBundle");
    }

    @Test
    void theIssuesResourcesAreValid() throws Exception {
        assertEquals(List.of(), violations("""
                apiVersion: metallb.io/v1beta1
                kind: IPAddressPool
                metadata: {name: metallb-pool, namespace: metallb-system}
                spec: {addresses: [192.168.32.0/24]}
                """));
        assertEquals(List.of(), violations("""
                apiVersion: metallb.io/v1beta1
                kind: BGPAdvertisement
                metadata: {name: metallb-advertisment, namespace: metallb-system}
                spec: {ipAddressPools: [metallb-pool], localPref: 100, communities: ["65535:65282"]}
                """));
        assertEquals(List.of(), violations("""
                apiVersion: metallb.io/v1beta2
                kind: BGPPeer
                metadata: {name: metallb-bgppeer-pfsense, namespace: metallb-system}
                spec: {myASN: 64500, peerASN: 64501, peerAddress: 192.168.4.1, holdTime: 90s}
                """));
    }

    @Test
    void schemaAndMetalLbRulesCatchWhatTheWebhookWouldRefuse() throws Exception {
        assertEquals(List.of("spec.peerASN: must be an integer, got \"x\" (a string)"), violations("""
                apiVersion: metallb.io/v1beta2
                kind: BGPPeer
                metadata: {name: p, namespace: metallb-system}
                spec: {myASN: 64500, peerASN: "x", peerAddress: 192.168.4.1}
                """));
        List<String> v = violations("""
                apiVersion: metallb.io/v1beta2
                kind: BGPPeer
                metadata: {name: p, namespace: metallb-system}
                spec: {myASN: 0, peerASN: 4294967296, peerAddress: pfsense.lan, holdTime: "90", colour: blue}
                """);
        assertTrue(v.contains("spec.peerASN: 4294967296 is above the maximum 4294967295"), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.startsWith("spec.colour: unknown field \"colour\"")), v.toString());
        assertTrue(v.contains("spec.myASN: ASN 0 is out of range: must be 1..4294967295"), v.toString());
        assertTrue(v.contains("spec.peerAddress: \"pfsense.lan\" is not an IP address"), v.toString());
        assertTrue(v.contains("spec.holdTime: \"90\" is not a duration: write it with a unit, e.g. \"90s\""), v.toString());
        List<String> missing = violations("""
                apiVersion: metallb.io/v1beta2
                kind: BGPPeer
                metadata: {name: p, namespace: metallb-system}
                spec: {myASN: 64500}
                """);
        assertTrue(missing.contains("spec.peerAddress: required field is missing"), missing.toString());

        List<String> pool = violations("""
                apiVersion: metallb.io/v1beta1
                kind: IPAddressPool
                metadata: {name: p, namespace: metallb-system}
                spec: {addresses: [192.168.32.1, 10.0.0.0/33, 10.0.0.9-10.0.0.1, "10.0.0.1 - 10.0.0.9", "fd00::/64", 10.1.0.0/16]}
                """);
        assertEquals(List.of(
                "spec.addresses[0]: \"192.168.32.1\" is a bare address, not a CIDR: write 192.168.32.1/32",
                "spec.addresses[1]: \"10.0.0.0/33\" is not a valid CIDR (e.g. 192.168.32.0/24)",
                "spec.addresses[2]: \"10.0.0.9-10.0.0.1\": the start of the range is after its end"), pool);
        List<String> adv = violations("""
                apiVersion: metallb.io/v1beta1
                kind: BGPAdvertisement
                metadata: {name: a, namespace: metallb-system}
                spec: {communities: ["65536:1", "large:1:2:3", "my-alias", "1:2:3"], aggregationLength: 33}
                """);
        assertTrue(adv.contains("spec.communities[0]: \"65536:1\" is not a BGP community: write N:N with 16-bit numbers (0..65535), e.g. 65535:65282"),
                adv.toString());
        assertTrue(adv.stream().noneMatch(s -> s.startsWith("spec.communities[1]") || s.startsWith("spec.communities[2]")), adv.toString());
        assertTrue(adv.stream().anyMatch(s -> s.startsWith("spec.communities[3]")), adv.toString());
        assertTrue(adv.contains("spec.aggregationLength: 33 is out of range: must be 1..32"), adv.toString());
    }

    @Test
    void templatedValuesAreLeftForRunTime() throws Exception {
        Map<String, Object> obj = yaml("""
                apiVersion: metallb.io/v1beta2
                kind: BGPPeer
                metadata: {name: p, namespace: metallb-system}
                spec: {myASN: "{{ asn }}", peerASN: 64501, peerAddress: "{{ fw_ip }}"}
                """);
        CrdSchemas.Entry e = schemas.find("metallb.io/v1beta2", "BGPPeer").orElseThrow();
        assertEquals(List.of(), StructuralValidator.validate(e.schema(), obj, true));
        assertEquals(List.of(), MetalLbRules.check(obj, true));
        assertFalse(StructuralValidator.validate(e.schema(), obj, false).isEmpty());
    }

    @Test
    void compatibilityRefusesMetalLbBefore016OnKubernetes136() {
        List<String> p = Compatibility.problems(ServerVersion.parse("v1.36.0"), v0148.crdSchemas(), "0.14.8");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).contains("bgppeers.metallb.io") && p.get(0).contains("spec.myASN") && p.get(0).contains("metallb#3034")
                && p.get(0).contains("MetalLB >= 0.16.0"), p.get(0));
        assertEquals(1, Compatibility.problems(ServerVersion.parse("v1.37.2+k3s1"), v0153.crdSchemas(), "0.15.3").size());
        assertEquals(List.of(), Compatibility.problems(ServerVersion.parse("v1.35.4"), v0148.crdSchemas(), "0.14.8"));
        assertEquals(1, Compatibility.problems(ServerVersion.parse("v1.20.15"), v0148.crdSchemas(), "0.14.8").size());
    }

    @Test
    void serverVersionsOfCommonDistributions() {
        assertEquals(new ServerVersion(1, 30, 2, "v1.30.2+k3s1"), ServerVersion.parse("v1.30.2+k3s1"));
        assertTrue(ServerVersion.parse("v1.36.0-eks-4f4795d").atLeast(1, 36));
        assertFalse(ServerVersion.parse("v1.35.4").atLeast(1, 36));
    }

    @Test
    void diffIgnoresVolatileMetadataAndNamesListItems() throws Exception {
        ObjectRef ref = new ObjectRef("apps/v1", "Deployment", "metallb-system", "controller");
        Map<String, Object> live = yaml("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: controller, namespace: metallb-system, resourceVersion: "1", generation: 1, managedFields: [{manager: a}]}
                spec:
                  template:
                    spec:
                      containers:
                        - {name: controller, image: "quay.io/metallb/controller:v0.14.8"}
                status: {replicas: 1}
                """);
        Map<String, Object> merged = yaml("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: controller, namespace: metallb-system, resourceVersion: "2", generation: 2, managedFields: [{manager: b}]}
                spec:
                  template:
                    spec:
                      containers:
                        - {name: controller, image: "quay.io/metallb/controller:v0.14.9"}
                status: {replicas: 0}
                """);
        List<Change> changes = ObjectDiff.diff(ref, live, merged);
        assertEquals("~ Deployment metallb-system/controller spec.template.spec.containers[name=controller].image: "
                + "quay.io/metallb/controller:v0.14.8 -> quay.io/metallb/controller:v0.14.9\n", DiffRenderer.render(changes));
        assertEquals(List.of(), ObjectDiff.diff(ref, live, live));
        Map<String, Object> secret = new LinkedHashMap<>(Map.of("apiVersion", "v1", "kind", "Secret",
                "metadata", Map.of("name", "s", "namespace", "n"), "data", Map.of("password", "c2VjcmV0")));
        List<Change> s = ObjectDiff.created(ObjectRef.of(secret), secret, true, "created");
        assertTrue(s.get(0).secret(), s.toString());
        assertFalse(DiffRenderer.render(s).contains("c2VjcmV0"));
    }

    @Test
    void kubeconfigAndContextPrecedence() {
        Path base = Path.of("/srv/edge/playbooks");
        Map<String, Object> vars = new HashMap<>();
        Map<String, String> env = new HashMap<>(Map.of("HOME", "/home/op"));
        assertEquals(new KubeTarget(Path.of("/home/op/.kube/config"), null, "~/.kube/config"),
                KubeTarget.resolve(null, null, vars::get, env, base));
        env.put("KUBECONFIG", "/nonexistent/a:/nonexistent/b");
        assertEquals(Path.of("/nonexistent/a"), KubeTarget.resolve(null, null, vars::get, env, base).kubeconfig());
        vars.put("k8s_kubeconfig", "~/clusters/lab.yaml");
        vars.put("k8s_context", "lab");
        KubeTarget t = KubeTarget.resolve(null, null, vars::get, env, base);
        assertEquals(Path.of("/home/op/clusters/lab.yaml"), t.kubeconfig());
        assertEquals("lab", t.context());
        assertEquals("k8s:/home/op/clusters/lab.yaml#lab", t.key());
        KubeTarget arg = KubeTarget.resolve("kube/prod.yaml", "prod", vars::get, env, base);
        assertEquals(Path.of("/srv/edge/playbooks/kube/prod.yaml"), arg.kubeconfig());
        assertEquals("prod", arg.context());
    }

    @Test
    void errorsAreClassifiedRetriableOrNot() {
        KubeResponse notReady = new KubeResponse("PATCH", "/x", 500, "{\"kind\":\"Status\",\"message\":\"Internal error occurred: failed calling"
                + " webhook \\\"ipaddresspoolvalidationwebhook.metallb.io\\\": failed to call webhook: Post \\\"https://metallb-webhook-service"
                + ".metallb-system.svc:443/validate-metallb-io-v1beta1-ipaddresspool?timeout=10s\\\": dial tcp 10.96.0.10:443: connect:"
                + " connection refused\",\"reason\":\"InternalError\",\"code\":500}");
        assertTrue(ApiErrors.webhookUnavailable(notReady));
        KubeResponse denied = new KubeResponse("PATCH", "/x", 403, "{\"kind\":\"Status\",\"message\":\"admission webhook"
                + " \\\"bgppeersvalidationwebhook.metallb.io\\\" denied the request: peer 192.168.4.2 has keepalive-time set on native bgp"
                + " mode\",\"reason\":\"Forbidden\",\"code\":403}");
        assertFalse(ApiErrors.webhookUnavailable(denied));
        assertTrue(ApiErrors.webhookDenied(denied));
        ObjectRef ref = new ObjectRef("metallb.io/v1beta2", "BGPPeer", "metallb-system", "p");
        assertEquals("BGPPeer metallb-system/p: denied by admission webhook \"bgppeersvalidationwebhook.metallb.io\": peer 192.168.4.2"
                + " has keepalive-time set on native bgp mode (the definition is wrong; edge does not retry a denial)",
                ApiErrors.describe(ref, "apply", denied));
        KubeResponse conflict = new KubeResponse("PATCH", "/x", 409, "{\"message\":\"Apply failed with 1 conflict: conflict with"
                + " \\\"kubectl-edit\\\": .spec.addresses\",\"reason\":\"Conflict\",\"code\":409}");
        assertTrue(ApiErrors.describe(ref, "apply", conflict).contains("set force: true"));
        assertFalse(ApiErrors.webhookUnavailable(new KubeResponse("GET", "/x", 503, "{\"message\":\"etcd leader changed\"}")));
    }
}
