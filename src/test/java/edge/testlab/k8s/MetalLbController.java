package edge.testlab.k8s;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AdmissionregistrationV1Api;
import io.kubernetes.client.openapi.apis.ApiextensionsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1CustomResourceDefinition;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1ValidatingWebhook;
import io.kubernetes.client.openapi.models.V1ValidatingWebhookConfiguration;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import io.kubernetes.client.util.generic.options.PatchOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * MetalLB's controller ({@code go.universe.tf/metallb/controller} v0.14.8) as the lab
 * supervisor runs it: once Deployment {@code metallb-system/controller} exists, the supervisor
 * starts the binary with the Deployment's args and env, a token of its ServiceAccount, the
 * {@code metallb-webhook-cert} Secret synced into the directory the controller reads
 * ({@code --cert-dir}), and points {@code metallb-webhook-service} at it with an EndpointSlice
 * (plus Endpoints) holding the "pod" address 10.244.0.10:9443. The controller generates its
 * certificate, injects the CA into the ValidatingWebhookConfiguration and the bgppeers CRD,
 * and then serves the webhooks that the API server calls.
 */
public final class MetalLbController {
    public static final String NAMESPACE = "metallb-system";
    public static final String WEBHOOK_CONFIGURATION = "metallb-webhook-configuration";

    private final ControlPlane cp;

    MetalLbController(ControlPlane cp) {
        this.cp = cp;
    }

    private JsonObject st() {
        JsonObject s = cp.status();
        return s != null && s.has("metallb") ? s.getAsJsonObject("metallb") : new JsonObject();
    }

    /** waiting, running, ready, backoff (or "" when the supervisor runs without MetalLB). */
    public String phase() {
        JsonObject s = st();
        return s.has("phase") ? s.get("phase").getAsString() : "";
    }

    public long pid() {
        JsonObject s = st();
        return s.has("pid") ? s.get("pid").getAsLong() : 0;
    }

    public int restarts() {
        JsonObject s = st();
        return s.has("restarts") ? s.get("restarts").getAsInt() : 0;
    }

    public String podIp() {
        return st().get("podIP").getAsString();
    }

    public Path logFile() {
        return cp.logDir().resolve("metallb-controller.log");
    }

    /**
     * Waits until the controller is ready (readiness probe), its CA is in all webhooks of the
     * ValidatingWebhookConfiguration and in the bgppeers CRD, and the API server gets an answer
     * from the webhook (a dry-run BGPAdvertisement create that is not "failed calling webhook").
     */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ApiClient api = cp.apiClient();
        String last = "";
        while (true) {
            try {
                last = notReadyReason(api);
                if (last == null) {
                    return;
                }
            } catch (ApiException e) {
                last = "HTTP " + e.getCode() + ": " + e.getResponseBody();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("MetalLB controller not ready after " + timeout + ": " + last
                        + " (phase " + phase() + ", restarts " + restarts() + ", log " + logFile() + ")");
            }
            Thread.sleep(200);
        }
    }

    private String notReadyReason(ApiClient api) throws ApiException {
        if (!phase().equals("ready")) {
            return "controller phase " + phase();
        }
        V1Secret secret = new CoreV1Api(api).readNamespacedSecret("metallb-webhook-cert", NAMESPACE).execute();
        byte[] ca = secret.getData() == null ? null : secret.getData().get("ca.crt");
        if (ca == null) {
            return "no ca.crt in Secret metallb-webhook-cert yet";
        }
        V1ValidatingWebhookConfiguration vwc = new AdmissionregistrationV1Api(api)
                .readValidatingWebhookConfiguration(WEBHOOK_CONFIGURATION).execute();
        for (V1ValidatingWebhook w : vwc.getWebhooks()) {
            if (!Arrays.equals(ca, w.getClientConfig().getCaBundle())) {
                return "CA not injected into webhook " + w.getName();
            }
        }
        V1CustomResourceDefinition crd = new ApiextensionsV1Api(api)
                .readCustomResourceDefinition("bgppeers.metallb.io").execute();
        if (!Arrays.equals(ca, crd.getSpec().getConversion().getWebhook().getClientConfig().getCaBundle())) {
            return "CA not injected into the bgppeers CRD conversion webhook";
        }
        // The webhook answers through the API server (service -> EndpointSlice -> controller).
        DynamicKubernetesApi adv = new DynamicKubernetesApi("metallb.io", "v1beta1", "bgpadvertisements", api);
        JsonObject probe = JsonParser.parseString("{\"apiVersion\":\"metallb.io/v1beta1\",\"kind\":\"BGPAdvertisement\","
                + "\"metadata\":{\"name\":\"edge-lab-webhook-probe\",\"namespace\":\"" + NAMESPACE + "\"},\"spec\":{}}")
                .getAsJsonObject();
        KubernetesApiResponse<DynamicKubernetesObject> r;
        try {
            r = adv.patch(NAMESPACE, "edge-lab-webhook-probe", V1Patch.PATCH_FORMAT_APPLY_YAML,
                    new V1Patch(probe.toString()), new PatchOptions().fieldManager("edge-lab-probe").force(true).dryRun("All"));
        } catch (RuntimeException e) {
            return "webhook probe: " + e;
        }
        if (!r.isSuccess()) {
            String msg = r.getStatus() == null ? "HTTP " + r.getHttpStatusCode() : r.getStatus().getMessage();
            if (msg != null && msg.contains("failed calling webhook")) {
                return "webhook not answering: " + msg;
            }
        }
        return null;
    }
}
