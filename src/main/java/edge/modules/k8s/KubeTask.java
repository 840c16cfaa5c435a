package edge.modules.k8s;

import edge.core.Secret;
import edge.module.ModuleException;
import edge.module.TaskContext;
import edge.module.UnreachableException;
import edge.template.Vars;
import edge.transport.k8s.KubeConnection;
import edge.transport.k8s.KubeException;
import edge.transport.k8s.KubeTarget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What every Kubernetes task needs: the cluster it acts on (its shared-system key), the run's connection to it, and its errors in the user's terms. */
final class KubeTask {
    private KubeTask() {
    }

    /** A failure to read one of the variables that name the cluster. */
    private static final class VarFailure extends RuntimeException {
        final String name;

        VarFailure(String name, RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
            this.name = name;
        }
    }

    /**
     * The cluster of this task (module args, inventory variables, KUBECONFIG, ~/.kube/config). A
     * variable that cannot be read (its template fails, e.g. an unset {@code lookup('env', ...)}) or
     * a value that is not a usable path is the user's to fix: a ModuleException that names it.
     */
    static KubeTarget target(TaskContext ctx) throws ModuleException {
        String kubeconfig = ctx.stringArg("kubeconfig", null);
        String context = ctx.stringArg("context", null);
        try {
            return KubeTarget.resolve(kubeconfig, context, name -> {
                try {
                    Object v = ctx.vars().get(name);
                    return v == Vars.UNDEFINED ? null : v;
                } catch (RuntimeException e) {
                    throw new VarFailure(name, e);
                }
            }, System.getenv(), ctx.playbookDir());
        } catch (VarFailure e) {
            throw new ModuleException("cannot read the variable " + e.name + " (" + what(e.name) + "): " + message(e.getCause())
                    + "; fix " + e.name + " where it is set (inventory, group or host vars, extra vars), or give the task's "
                    + (KubeTarget.VAR_CONTEXT.equals(e.name) ? "context" : "kubeconfig") + " argument");
        } catch (RuntimeException e) {
            String source = kubeconfig != null && !kubeconfig.isBlank() ? "the task's kubeconfig argument"
                    : "the variable " + KubeTarget.VAR_KUBECONFIG + " or KUBECONFIG";
            throw new ModuleException("cannot use the kubeconfig path from " + source + ": " + message(e)
                    + "; set it to the path of a kubeconfig file");
        }
    }

    private static String what(String var) {
        return KubeTarget.VAR_CONTEXT.equals(var) ? "the kubeconfig context of the Kubernetes tasks"
                : "the kubeconfig file of the Kubernetes tasks";
    }

    private static String message(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * The engine's key for "once per cluster". When the cluster cannot be named (a bad variable), the
     * key is that error, so that hosts failing the same way fail once, in {@link #connection}.
     */
    static Optional<String> sharedSystem(TaskContext ctx) {
        try {
            return Optional.of(target(ctx).key());
        } catch (ModuleException e) {
            return Optional.of("k8s:unresolved:" + e.getMessage());
        }
    }

    private record Holder(KubeConnection connection, KubeException error) implements AutoCloseable {
        @Override
        public void close() {
            if (connection != null) {
                connection.close();
            }
        }
    }

    /** The run's connection to this task's cluster (built once per run and cluster; contacts nothing yet). */
    static KubeConnection connection(TaskContext ctx) throws ModuleException {
        KubeTarget t = target(ctx);
        Holder h = ctx.resources().get(t.key(), k -> {
            try {
                return new Holder(KubeConnection.open(t), null);
            } catch (KubeException e) {
                return new Holder(null, e);
            } catch (RuntimeException e) {
                // client-java on a malformed kubeconfig (a context that is not a map, a bad certificate, ...)
                return new Holder(null, KubeException.config("cannot use kubeconfig " + t.kubeconfig() + " (from " + t.from()
                        + "): " + message(e) + "; fix the file, or point " + KubeTarget.VAR_KUBECONFIG
                        + " (or the task's kubeconfig argument) at another one"));
            }
        });
        if (h.error() != null) {
            throw error(h.error());
        }
        return h.connection();
    }

    /**
     * Builds the run's connection to the task's cluster ahead of its first task (see
     * {@link edge.module.OpensConnection}): reading the kubeconfig, its credentials and TLS settings
     * takes longer than the plays before it. Contacts nothing: a manifest refused by its checksum, which
     * a task may only download when it runs, must leave the cluster untouched. Skipped when the task's
     * own kubeconfig or context argument is a template (the cluster is known only when the task runs).
     * Silent: a failure is kept for the task, which reports it.
     */
    static void openAhead(TaskContext ctx) {
        for (String arg : List.of("kubeconfig", "context")) {
            if (ctx.args().get(arg) instanceof String s && (s.contains("{{") || s.contains("{%"))) {
                return;
            }
        }
        try {
            connection(ctx);
        } catch (ModuleException | RuntimeException e) {
            // kept by connection() for the task, or found again by it
        }
    }

    static ModuleException error(KubeException e) {
        return e.unreachable() ? new UnreachableException(e.getMessage()) : new ModuleException(e.getMessage());
    }

    /** A value tree with secrets revealed, ready to serialize for the API server. */
    static Object plain(Object o) {
        if (o instanceof Secret s) {
            return s.reveal();
        }
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> c = new LinkedHashMap<>();
            m.forEach((k, v) -> c.put(String.valueOf(k), plain(v)));
            return c;
        }
        if (o instanceof List<?> l) {
            List<Object> c = new ArrayList<>(l.size());
            l.forEach(v -> c.add(plain(v)));
            return c;
        }
        return o;
    }

    /** Result data every k8s task returns: the cluster and the requests this task sent. */
    static Map<String, Object> clusterData(KubeConnection conn, Map<String, Long> requestsBefore) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("server", conn.server());
        if (conn.contextName() != null) {
            m.put("context", conn.contextName());
        }
        m.put("api_requests", conn.counter().since(requestsBefore));
        return m;
    }
}
