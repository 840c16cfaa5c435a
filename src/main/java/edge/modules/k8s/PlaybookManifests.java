package edge.modules.k8s;

import edge.module.ModuleException;
import edge.module.ValidationContext;
import edge.playbook.Play;
import edge.playbook.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Validate time: the CRD schemas that the playbook's {@code k8s_manifest} tasks will install, read
 * from what is local (a file, a file URL, or a URL whose sha256 is in the per-user cache). Nothing
 * is downloaded and no cluster is contacted.
 */
final class PlaybookManifests {
    private PlaybookManifests() {
    }

    /** The CRD schemas of the playbook's manifests (do not change the result: it is shared by the play's tasks). */
    static CrdSchemas crdSchemas(ValidationContext ctx) {
        String host = ctx.hosts().isEmpty() ? null : ctx.hosts().get(0);
        // once per validation and host: every k8s_resource task asks, and reading and hashing a manifest is not free
        return ctx.memo("k8s:crd-schemas:" + host, () -> read(ctx, host));
    }

    private static CrdSchemas read(ValidationContext ctx, String host) {
        CrdSchemas schemas = new CrdSchemas();
        for (Play play : ctx.playbook().plays()) {
            List<Task> tasks = new ArrayList<>(play.tasks());
            tasks.addAll(play.handlers());
            for (Task t : tasks) {
                if (!K8sManifestModule.NAME.equals(t.module()) || !(t.args() instanceof Map<?, ?> raw)) {
                    continue;
                }
                String url = rendered(ctx, raw.get("url"), host);
                String src = rendered(ctx, raw.get("src"), host);
                String sha = rendered(ctx, raw.get("sha256"), host);
                if (url == null && src == null) {
                    continue;
                }
                Optional<byte[]> bytes = ManifestSource.local(url, src, sha, ctx.playbook().dir());
                if (bytes.isEmpty()) {
                    continue;
                }
                try {
                    Manifest m = Manifest.parse(ManifestSource.origin(url, src, ctx.playbook().dir()), bytes.get());
                    m.crdSchemas().crds().forEach(c -> schemas.add(c, m.origin()));
                } catch (ModuleException e) {
                    // reported by that task's own validation
                }
            }
        }
        return schemas;
    }

    /** A string argument rendered with what is known before the run, or null (absent, or needs facts). */
    static String rendered(ValidationContext ctx, Object raw, String host) {
        if (raw == null) {
            return null;
        }
        if (raw instanceof String s && !s.contains("{{") && !s.contains("{%")) {
            return s;
        }
        if (host == null) {
            return null;
        }
        Optional<Object> v = ctx.render(raw, host);
        return v.map(String::valueOf).filter(s -> !s.isBlank()).orElse(null);
    }
}
