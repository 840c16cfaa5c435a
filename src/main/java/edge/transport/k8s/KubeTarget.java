package edge.transport.k8s;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * Which cluster a task talks to: a kubeconfig file and a context in it (null = the file's
 * current-context). Resolved like kubectl and Ansible's k8s modules, first match wins:
 * <ol>
 *   <li>the module arguments {@code kubeconfig} / {@code context};</li>
 *   <li>the inventory variables {@code k8s_kubeconfig} / {@code k8s_context} (per cluster group or host);</li>
 *   <li>{@code KUBECONFIG} (the first existing file of a {@code :}-separated list; files are not merged);</li>
 *   <li>{@code ~/.kube/config}.</li>
 * </ol>
 * The context is resolved independently (argument, then variable, then the file's current-context).
 * {@link #key()} names the cluster so that a task runs once per cluster, not once per node.
 */
public record KubeTarget(Path kubeconfig, String context, String from) {
    public static final String VAR_KUBECONFIG = "k8s_kubeconfig";
    public static final String VAR_CONTEXT = "k8s_context";

    /** The shared-system key: {@code k8s:<absolute kubeconfig>#<context>}. */
    public String key() {
        return "k8s:" + kubeconfig + "#" + (context == null ? "" : context);
    }

    /**
     * @param argKubeconfig module argument or null
     * @param argContext    module argument or null
     * @param var           host variable lookup (null for undefined)
     * @param env           the environment (KUBECONFIG, HOME)
     * @param baseDir       relative paths are resolved from here (the playbook's directory)
     */
    public static KubeTarget resolve(String argKubeconfig, String argContext, Function<String, Object> var,
                                     Map<String, String> env, Path baseDir) {
        String context = blankToNull(argContext);
        if (context == null) {
            context = blankToNull(str(var.apply(VAR_CONTEXT)));
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        String explicit = blankToNull(argKubeconfig);
        if (explicit != null) {
            return new KubeTarget(path(explicit, home, baseDir), context, "kubeconfig argument");
        }
        String fromVar = blankToNull(str(var.apply(VAR_KUBECONFIG)));
        if (fromVar != null) {
            return new KubeTarget(path(fromVar, home, baseDir), context, "variable " + VAR_KUBECONFIG);
        }
        String fromEnv = blankToNull(env.get("KUBECONFIG"));
        if (fromEnv != null) {
            Path first = null;
            for (String p : fromEnv.split(File.pathSeparator)) {
                if (p.isBlank()) {
                    continue;
                }
                Path candidate = path(p, home, baseDir);
                if (first == null) {
                    first = candidate;
                }
                if (Files.isRegularFile(candidate)) {
                    return new KubeTarget(candidate, context, "KUBECONFIG");
                }
            }
            if (first != null) {
                return new KubeTarget(first, context, "KUBECONFIG");
            }
        }
        return new KubeTarget(Path.of(home, ".kube", "config").toAbsolutePath().normalize(), context, "~/.kube/config");
    }

    private static Path path(String p, String home, Path baseDir) {
        String s = p.strip();
        if (s.equals("~")) {
            s = home;
        } else if (s.startsWith("~/")) {
            s = home + s.substring(1);
        }
        Path path = Path.of(s);
        if (!path.isAbsolute()) {
            path = baseDir.resolve(path);
        }
        return path.toAbsolutePath().normalize();
    }

    private static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Override
    public String toString() {
        return kubeconfig + (context == null ? "" : " (context " + context + ")");
    }
}
