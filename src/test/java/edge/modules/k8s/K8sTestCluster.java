package edge.modules.k8s;

import edge.testlab.k8s.ControlPlane;
import edge.testlab.k8s.LabBinaries;
import edge.transport.k8s.KubeConnection;
import edge.transport.k8s.KubeException;
import edge.transport.k8s.KubeResponse;
import edge.transport.k8s.KubeTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The cluster a k8s test runs against: {@code -Dedge.k8s.kubeconfig=PATH} (optionally
 * {@code -Dedge.k8s.context=NAME}) for any existing cluster (k3s, kind, a real one), otherwise a fresh
 * control plane of the Kubernetes lab (kube-apiserver + etcd + MetalLB's controller; see
 * src/test/lab/k8s/README.md), stopped by {@link #close()}.
 *
 * <p>Tests that need to stop MetalLB's controller use {@link #controlPlane()} and are skipped on an
 * external cluster.
 */
final class K8sTestCluster implements AutoCloseable {
    private final Path kubeconfig;
    private final String context;
    private final ControlPlane controlPlane;
    private final KubeConnection api;

    private K8sTestCluster(Path kubeconfig, String context, ControlPlane controlPlane) throws KubeException {
        this.kubeconfig = kubeconfig;
        this.context = context;
        this.controlPlane = controlPlane;
        this.api = KubeConnection.open(new KubeTarget(kubeconfig, context, "test"));
    }

    /** The k3s container when the k3s profile runs the tests (closed with the cluster). */
    private K3s k3s;

    static K8sTestCluster start() throws KubeException {
        if (K3s.requested()) {
            K3s started;
            try {
                started = K3s.start();
            } catch (org.opentest4j.TestAbortedException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("cannot start k3s: " + e, e);
            }
            K8sTestCluster c = new K8sTestCluster(started.kubeconfig(), null, null);
            c.k3s = started;
            return c;
        }
        String external = System.getProperty("edge.k8s.kubeconfig");
        if (external != null && !external.isBlank()) {
            Path p = Path.of(external).toAbsolutePath();
            Assumptions.assumeTrue(Files.isRegularFile(p), "kubeconfig " + p + " not found");
            return new K8sTestCluster(p, System.getProperty("edge.k8s.context"), null);
        }
        ControlPlane cp = ControlPlane.start();
        try {
            return new K8sTestCluster(cp.kubeconfig(), null, cp);
        } catch (KubeException | RuntimeException e) {
            cp.close();
            throw e;
        }
    }

    Path kubeconfig() {
        return kubeconfig;
    }

    String context() {
        return context;
    }

    /** The lab's control plane, or null on an external cluster. */
    ControlPlane controlPlane() {
        return controlPlane;
    }

    boolean isLab() {
        return controlPlane != null;
    }

    /** A raw client (requests are not counted in edge's runs). */
    KubeConnection api() {
        return api;
    }

    Map<String, Object> get(String path) throws KubeException {
        KubeResponse r = api.get(path);
        return r.ok() ? r.json() : null;
    }

    KubeResponse patch(String path, String json, String contentType, String fieldManager) throws KubeException {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("fieldManager", fieldManager);
        return api.request("PATCH", path, q, json.getBytes(java.nio.charset.StandardCharsets.UTF_8), contentType);
    }

    KubeResponse delete(String path) throws KubeException {
        return api.request("DELETE", path, Map.of(), null, null);
    }

    /** Waits until MetalLB's webhook answers (a dry-run create is not refused with "failed calling webhook"). */
    void awaitMetalLbWebhook(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String probe = "{\"apiVersion\":\"metallb.io/v1beta1\",\"kind\":\"BGPAdvertisement\",\"metadata\":{\"name\":\"edge-test-probe\","
                + "\"namespace\":\"metallb-system\"},\"spec\":{}}";
        while (true) {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("fieldManager", "edge-test");
            q.put("dryRun", "All");
            KubeResponse r = api.request("PATCH", "/apis/metallb.io/v1beta1/namespaces/metallb-system/bgpadvertisements/edge-test-probe",
                    q, probe.getBytes(java.nio.charset.StandardCharsets.UTF_8), KubeConnection.APPLY_PATCH);
            if (r.ok() || !ApiErrors.webhookUnavailable(r) && r.code() != 404) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("MetalLB webhook not ready: " + r);
            }
            Thread.sleep(300);
        }
    }

    static Path fixtures() {
        Path dir = LabBinaries.projectDir().resolve("../shared/fixtures/metallb").normalize();
        if (!Files.isDirectory(dir)) {
            LabBinaries.skipOrFail("MetalLB fixtures not found at " + dir + " (../shared beside the checkout)");
        }
        return dir;
    }

    /** The manifest of MetalLB {@code version} (e.g. "0.14.8") and its sha256 from the fixture's .sha256 file. */
    static Map.Entry<Path, String> manifest(String version) throws java.io.IOException {
        Path p = fixtures().resolve("metallb-native-v" + version + ".yaml");
        String sha = Files.readString(p.resolveSibling(p.getFileName() + ".sha256")).strip().split("\\s+")[0];
        return Map.entry(p, sha);
    }

    @Override
    public void close() {
        api.close();
        if (controlPlane != null) {
            controlPlane.close();
        }
        if (k3s != null) {
            try {
                k3s.close();
            } catch (Exception e) {
                System.err.println("k3s: stopping the container failed: " + e);
            }
        }
    }
}
