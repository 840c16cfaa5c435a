package edge.testlab.k8s;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kubernetes.client.Discovery;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.ApiextensionsV1Api;
import io.kubernetes.client.openapi.models.V1CustomResourceDefinition;
import io.kubernetes.client.openapi.models.V1CustomResourceDefinitionCondition;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import io.kubernetes.client.util.generic.options.PatchOptions;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Test-side server-side apply of YAML manifests with client-java's DynamicKubernetesApi
 * (kinds resolved through discovery), for setting up the lab (e.g. MetalLB's manifest).
 */
public final class Manifests {
    private final ApiClient api;
    private final Gson gson;
    private final Map<String, Set<Discovery.APIResource>> discovered = new HashMap<>();

    public Manifests(ApiClient api) {
        this.api = api;
        this.gson = io.kubernetes.client.openapi.JSON.getGson();
    }

    /** The documents of a multi-document YAML file (empty documents dropped). */
    public List<JsonObject> load(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file)) {
            return parse(r);
        }
    }

    public List<JsonObject> parse(Reader r) {
        List<JsonObject> docs = new ArrayList<>();
        for (Object o : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(r)) {
            if (o != null) {
                docs.add(gson.toJsonTree(o).getAsJsonObject());
            }
        }
        return docs;
    }

    public JsonObject parse(String yaml) {
        return parse(new java.io.StringReader(yaml)).get(0);
    }

    /**
     * Drops the placeholder {@code caBundle} of a CRD's conversion webhook (MetalLB 0.14.8's
     * bgppeers CRD ships an expired one that the controller replaces; re-applying it would
     * conflict with the controller's field manager or break conversion). 0.15 drops it too.
     */
    public static JsonObject withoutConversionCaBundle(JsonObject doc) {
        JsonObject copy = doc.deepCopy();
        if ("CustomResourceDefinition".equals(str(copy, "kind"))) {
            JsonElement spec = copy.get("spec");
            JsonObject cc = dig(spec, "conversion", "webhook", "clientConfig");
            if (cc != null) {
                cc.remove("caBundle");
            }
        }
        return copy;
    }

    private static JsonObject dig(JsonElement e, String... path) {
        for (String p : path) {
            if (e == null || !e.isJsonObject()) {
                return null;
            }
            e = e.getAsJsonObject().get(p);
        }
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
    }

    private static String str(JsonObject o, String k) {
        return o.has(k) && o.get(k).isJsonPrimitive() ? o.get(k).getAsString() : null;
    }

    /** Server-side applies every document, in order; throws on the first failure. */
    public void applyAll(List<JsonObject> docs, String fieldManager) throws ApiException {
        for (JsonObject d : docs) {
            KubernetesApiResponse<DynamicKubernetesObject> r = apply(d, fieldManager);
            if (!r.isSuccess()) {
                throw new ApiException(r.getHttpStatusCode(), "apply " + str(d, "kind") + " "
                        + str(d.getAsJsonObject("metadata"), "name") + ": "
                        + (r.getStatus() == null ? "" : r.getStatus().getMessage()));
            }
        }
    }

    /** Server-side apply of one object (force: the test owns these fields). */
    public KubernetesApiResponse<DynamicKubernetesObject> apply(JsonObject doc, String fieldManager)
            throws ApiException {
        Discovery.APIResource res = resource(str(doc, "apiVersion"), str(doc, "kind"));
        JsonObject md = doc.getAsJsonObject("metadata");
        String name = str(md, "name");
        DynamicKubernetesApi dyn = new DynamicKubernetesApi(res.getGroup(), res.getPreferredVersion(),
                res.getResourcePlural(), api);
        PatchOptions opts = new PatchOptions().fieldManager(fieldManager).force(true);
        V1Patch patch = new V1Patch(doc.toString());
        if (Boolean.TRUE.equals(res.getNamespaced())) {
            String ns = md.has("namespace") ? str(md, "namespace") : "default";
            return dyn.patch(ns, name, V1Patch.PATCH_FORMAT_APPLY_YAML, patch, opts);
        }
        return dyn.patch(name, V1Patch.PATCH_FORMAT_APPLY_YAML, patch, opts);
    }

    /** A DynamicKubernetesApi for apiVersion + kind. */
    public DynamicKubernetesApi dynamic(String apiVersion, String kind) throws ApiException {
        Discovery.APIResource res = resource(apiVersion, kind);
        return new DynamicKubernetesApi(res.getGroup(), res.getPreferredVersion(), res.getResourcePlural(), api);
    }

    private Discovery.APIResource resource(String apiVersion, String kind) throws ApiException {
        for (int attempt = 0; attempt < 2; attempt++) {
            Set<Discovery.APIResource> set = discovered.get(apiVersion);
            if (set == null || attempt == 1) {
                String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
                String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
                String path = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
                set = new Discovery(api).findAll(group, List.of(version), version, path);
                discovered.put(apiVersion, set);
            }
            for (Discovery.APIResource r : set) {
                if (kind.equals(r.getKind())) {
                    return new Discovery.APIResource(r.getGroup(), r.getVersions(),
                            apiVersion.substring(apiVersion.indexOf('/') + 1), r.getKind(), r.getNamespaced(),
                            r.getResourcePlural(), r.getResourceSingular());
                }
            }
        }
        throw new ApiException(404, "no resource for kind " + kind + " in " + apiVersion);
    }

    /** Waits until every CRD among docs is Established. */
    public void awaitCrdsEstablished(List<JsonObject> docs, Duration timeout) throws ApiException, InterruptedException {
        ApiextensionsV1Api ext = new ApiextensionsV1Api(api);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (JsonObject d : docs) {
            if (!"CustomResourceDefinition".equals(str(d, "kind"))) {
                continue;
            }
            String name = str(d.getAsJsonObject("metadata"), "name");
            while (true) {
                V1CustomResourceDefinition crd = ext.readCustomResourceDefinition(name).execute();
                boolean established = crd.getStatus() != null && crd.getStatus().getConditions() != null
                        && crd.getStatus().getConditions().stream().anyMatch(
                                (V1CustomResourceDefinitionCondition c) -> "Established".equals(c.getType())
                                        && "True".equals(c.getStatus()));
                if (established) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("CRD " + name + " not Established after " + timeout);
                }
                Thread.sleep(100);
            }
        }
        discovered.clear();
    }
}
