package edge.modules.k8s;

import edge.core.Secret;
import edge.engine.ModuleException;
import edge.engine.TaskContext;
import edge.engine.UnreachableException;
import edge.template.Vars;
import edge.transport.k8s.KubeConnection;
import edge.transport.k8s.KubeException;
import edge.transport.k8s.KubeTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the k8s modules share: which cluster, the per-run connection, error mapping. */
final class K8sSupport {
    private K8sSupport() {
    }

    /** The cluster of this task (module args, inventory variables, KUBECONFIG, ~/.kube/config). */
    static KubeTarget target(TaskContext ctx) {
        return KubeTarget.resolve(ctx.stringArg("kubeconfig", null), ctx.stringArg("context", null),
                name -> {
                    Object v = ctx.vars().get(name);
                    return v == Vars.UNDEFINED ? null : v;
                }, System.getenv(), ctx.playbookDir());
    }

    static Optional<String> sharedSystem(TaskContext ctx) {
        return Optional.of(target(ctx).key());
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
            }
        });
        if (h.error() != null) {
            throw error(h.error());
        }
        return h.connection();
    }

    static ModuleException error(KubeException e) {
        return e.unreachable() ? new UnreachableException(e.getMessage()) : new ModuleException(e.getMessage());
    }

    static Duration seconds(TaskContext ctx, String arg, long dflt) {
        return Duration.ofSeconds(Math.max(0, ctx.longArg(arg, dflt)));
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
