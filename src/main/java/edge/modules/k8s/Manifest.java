package edge.modules.k8s;

import edge.core.InputException;
import edge.core.Location;
import edge.module.ModuleException;
import edge.yaml.YamlDocument;
import edge.yaml.YamlLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A multi-document manifest parsed into objects, with what edge leaves to controllers removed:
 * a CRD's conversion-webhook {@code caBundle} (MetalLB 0.14.x ships an expired placeholder that its
 * controller replaces; re-applying it conflicts with the controller or breaks conversion),
 * {@code metadata.creationTimestamp: null}, and top-level {@code status}.
 */
final class Manifest {
    /** One object of the manifest, in file order. */
    record Doc(int index, Map<String, Object> body, Location at, ObjectRef ref) {
    }

    private static final Pattern METALLB_IMAGE = Pattern.compile("metallb/(?:controller|speaker):v?(\\d+\\.\\d+\\.\\d+)");
    /** Parsed manifests by origin and content (validation and planning read the same bytes), the 8 newest. */
    private static final Map<String, Parsed> PARSED = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Parsed> e) {
            return size() > 8;
        }
    });

    private record Parsed(byte[] bytes, Manifest manifest) {
    }

    private final String origin;
    private final List<Doc> docs;
    private final List<String> stripped;

    private Manifest(String origin, List<Doc> docs, List<String> stripped) {
        this.origin = origin;
        this.docs = docs;
        this.stripped = stripped;
    }

    /**
     * Parses, once per JVM for the same origin and bytes. Keyed by a plain hash and confirmed by
     * comparing the bytes: a SHA-256 here cost more than the lookup saves (the checksum a task asks for
     * is checked by {@link ManifestSource}).
     */
    static Manifest parse(String origin, byte[] bytes) throws ModuleException {
        String key = origin + "|" + bytes.length + "|" + Arrays.hashCode(bytes);
        Parsed p = PARSED.get(key);
        if (p != null && Arrays.equals(p.bytes(), bytes)) {
            return p.manifest();
        }
        Manifest m = doParse(origin, bytes);
        PARSED.put(key, new Parsed(bytes.clone(), m));
        return m;
    }

    private static Manifest doParse(String origin, byte[] bytes) throws ModuleException {
        List<YamlDocument> yaml;
        try {
            yaml = YamlLoader.loadAll(origin, bytes);
        } catch (InputException e) {
            throw new ModuleException("manifest " + e.getMessage());
        }
        List<Doc> docs = new ArrayList<>();
        List<String> stripped = new ArrayList<>();
        int i = 0;
        for (YamlDocument d : yaml) {
            Location at = d.locate("");
            if (d.root() == null) {
                continue;
            }
            if (!(d.root() instanceof Map<?, ?>)) {
                throw new ModuleException(at.format() + ": a manifest document must be a mapping (an object), not "
                        + (d.root() instanceof List ? "a list" : "a scalar"));
            }
            Map<String, Object> body = ObjectTree.deepCopy(ObjectTree.map(d.root()));
            if ("List".equals(body.get("kind")) && body.get("items") instanceof List<?> items) {
                for (Object item : items) {
                    Map<String, Object> obj = ObjectTree.deepCopy(ObjectTree.map(item));
                    docs.add(doc(i++, obj, at, stripped));
                }
                continue;
            }
            docs.add(doc(i++, body, at, stripped));
        }
        return new Manifest(origin, List.copyOf(docs), List.copyOf(stripped));
    }

    private static Doc doc(int index, Map<String, Object> body, Location at, List<String> stripped) throws ModuleException {
        ObjectRef ref = ObjectRef.of(body);
        if (ref.apiVersion() == null || ref.kind() == null || ref.name() == null) {
            throw new ModuleException(at.format() + ": a manifest object needs apiVersion, kind and metadata.name");
        }
        stripControllerOwned(body, ref, stripped);
        return new Doc(index, body, at, ref);
    }

    static void stripControllerOwned(Map<String, Object> body, ObjectRef ref, List<String> stripped) {
        if (CrdSchemas.isCrd(body) && ObjectTree.remove(body, "spec", "conversion", "webhook", "clientConfig", "caBundle")) {
            stripped.add(ref.display() + " spec.conversion.webhook.clientConfig.caBundle (injected by the webhook's controller)");
        }
        Map<String, Object> md = ObjectTree.map(body.get("metadata"));
        if (md.containsKey("creationTimestamp") && md.get("creationTimestamp") == null) {
            md.remove("creationTimestamp");
        }
        body.remove("status");
    }

    String origin() {
        return origin;
    }

    List<Doc> docs() {
        return docs;
    }

    List<String> stripped() {
        return stripped;
    }

    /** Apply order: Namespaces, then CRDs, then everything else in file order. */
    List<Doc> ordered() {
        List<Doc> ns = new ArrayList<>();
        List<Doc> crds = new ArrayList<>();
        List<Doc> rest = new ArrayList<>();
        for (Doc d : docs) {
            if ("Namespace".equals(d.ref().kind()) && "v1".equals(d.ref().apiVersion())) {
                ns.add(d);
            } else if (CrdSchemas.isCrd(d.body())) {
                crds.add(d);
            } else {
                rest.add(d);
            }
        }
        List<Doc> all = new ArrayList<>(ns);
        all.addAll(crds);
        all.addAll(rest);
        return all;
    }

    CrdSchemas crdSchemas() {
        CrdSchemas s = new CrdSchemas();
        for (Doc d : docs) {
            if (CrdSchemas.isCrd(d.body())) {
                s.add(d.body(), origin);
            }
        }
        return s;
    }

    /** The MetalLB version of the manifest's images (e.g. "0.14.8"), or null if it is not MetalLB. */
    String metallbVersion() {
        for (Doc d : docs) {
            String v = metallbVersionOf(d.body());
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** The MetalLB release a Deployment or DaemonSet runs (its image tag), or null. */
    static String metallbVersionOf(Map<String, Object> workload) {
        if (workload == null || !"Deployment".equals(workload.get("kind")) && !"DaemonSet".equals(workload.get("kind"))) {
            return null;
        }
        for (Object c : ObjectTree.list(ObjectTree.at(workload, "spec", "template", "spec", "containers"))) {
            Matcher m = METALLB_IMAGE.matcher(String.valueOf(ObjectTree.map(c).get("image")));
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    /** Compares release numbers such as 0.14.8 and 0.15.3, part by part. */
    static int compareVersions(String a, String b) {
        String[] x = a.split("[.]");
        String[] y = b.split("[.]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Integer.compare(i < x.length ? number(x[i]) : 0, i < y.length ? number(y[i]) : 0);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static int number(String part) {
        String digits = part.replaceAll("\\D.*$", "");
        return digits.isEmpty() ? 0 : Integer.parseInt(digits);
    }

    /** The names of the manifest's Namespaces. */
    List<String> namespaces() {
        List<String> ns = new ArrayList<>();
        for (Doc d : docs) {
            if ("Namespace".equals(d.ref().kind())) {
                ns.add(d.ref().name());
            }
        }
        return ns;
    }
}
