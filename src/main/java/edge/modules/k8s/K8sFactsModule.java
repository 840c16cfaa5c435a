package edge.modules.k8s;

import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.SharedSystem;
import edge.module.TaskContext;
import edge.transport.k8s.KubeConnection;
import edge.transport.k8s.KubeException;
import edge.transport.k8s.KubeResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code k8s_facts}: reads the cluster into host variables (for every host of the cluster, like
 * {@code set_fact}): the nodes with their InternalIP addresses (so a play can derive the firewall's
 * BGP neighbors from the actual nodes), the LoadBalancer Services with their assigned addresses (to
 * check that pool addresses get assigned), and the server version. Read-only; runs in --check too.
 *
 * <p>Facts: {@code k8s_server_version}, {@code k8s_nodes} (name, internal_ip, internal_ips,
 * external_ips, hostname, roles, ready, schedulable, labels), {@code k8s_node_ips},
 * {@code k8s_loadbalancers} (namespace, name, ips, assigned, pool, ports) and {@code k8s_loadbalancer_ips}.
 */
public final class K8sFactsModule implements Module, SharedSystem, OverKubeApi {
    @Override
    public String name() {
        return "k8s_facts";
    }

    @Override
    public Optional<String> sharedSystem(TaskContext ctx) {
        return KubeTask.sharedSystem(ctx);
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        KubeConnection conn = KubeTask.connection(ctx);
        Map<String, Long> before = conn.counter().snapshot();
        Map<String, Object> facts = new LinkedHashMap<>();
        try {
            facts.put("k8s_server_version", conn.serverVersion().gitVersion());
            Map<String, String> q = new LinkedHashMap<>();
            String selector = ctx.stringArg("node_selector", null);
            if (selector != null && !selector.isBlank()) {
                q.put("labelSelector", selector);
            }
            KubeResponse nodes = conn.get("/api/v1/nodes", q);
            if (!nodes.ok()) {
                throw new ModuleException("cannot list nodes: HTTP " + nodes.code() + ": " + nodes.message());
            }
            List<Map<String, Object>> nodeFacts = new ArrayList<>();
            List<String> nodeIps = new ArrayList<>();
            for (Object o : ObjectTree.list(nodes.json().get("items"))) {
                Map<String, Object> n = node(ObjectTree.map(o));
                nodeFacts.add(n);
            }
            nodeFacts.sort(Comparator.comparing(n -> String.valueOf(n.get("name"))));
            for (Map<String, Object> n : nodeFacts) {
                if (n.get("internal_ip") != null) {
                    nodeIps.add(String.valueOf(n.get("internal_ip")));
                }
            }
            facts.put("k8s_nodes", nodeFacts);
            facts.put("k8s_node_ips", nodeIps);
            if (ctx.boolArg("services")) {
                String ns = ctx.stringArg("service_namespace", null);
                KubeResponse svcs = conn.get(ns == null ? "/api/v1/services" : "/api/v1/namespaces/" + ns + "/services");
                if (!svcs.ok()) {
                    throw new ModuleException("cannot list services: HTTP " + svcs.code() + ": " + svcs.message());
                }
                List<Map<String, Object>> lbs = new ArrayList<>();
                List<String> lbIps = new ArrayList<>();
                for (Object o : ObjectTree.list(svcs.json().get("items"))) {
                    Map<String, Object> s = ObjectTree.map(o);
                    if (!"LoadBalancer".equals(ObjectTree.at(s, "spec", "type"))) {
                        continue;
                    }
                    Map<String, Object> lb = loadBalancer(s);
                    lbs.add(lb);
                    for (Object ip : ObjectTree.list(lb.get("ips"))) {
                        lbIps.add(String.valueOf(ip));
                    }
                }
                lbs.sort(Comparator.comparing(l -> l.get("namespace") + "/" + l.get("name")));
                facts.put("k8s_loadbalancers", lbs);
                facts.put("k8s_loadbalancer_ips", lbIps);
            }
        } catch (KubeException e) {
            throw KubeTask.error(e);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("ansible_facts", facts);
        result.putAll(KubeTask.clusterData(conn, before));
        return Plan.noChange(result);
    }

    private static Map<String, Object> node(Map<String, Object> n) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("name", ObjectTree.at(n, "metadata", "name"));
        List<String> internal = new ArrayList<>();
        List<String> external = new ArrayList<>();
        String hostname = null;
        for (Object a : ObjectTree.list(ObjectTree.at(n, "status", "addresses"))) {
            Map<String, Object> addr = ObjectTree.map(a);
            String type = ObjectTree.str(addr.get("type"));
            String value = ObjectTree.str(addr.get("address"));
            if ("InternalIP".equals(type)) {
                internal.add(value);
            } else if ("ExternalIP".equals(type)) {
                external.add(value);
            } else if ("Hostname".equals(type)) {
                hostname = value;
            }
        }
        // IPv4 first: BGP neighbors on pfSense are usually IPv4
        String first = internal.stream().filter(s -> !s.contains(":")).findFirst().orElse(internal.isEmpty() ? null : internal.get(0));
        f.put("internal_ip", first);
        f.put("internal_ips", internal);
        f.put("external_ips", external);
        f.put("hostname", hostname);
        Map<String, Object> labels = new TreeMap<>(ObjectTree.map(ObjectTree.at(n, "metadata", "labels")));
        List<String> roles = new ArrayList<>();
        labels.keySet().forEach(k -> {
            if (k.startsWith("node-role.kubernetes.io/")) {
                roles.add(k.substring("node-role.kubernetes.io/".length()));
            }
        });
        f.put("roles", roles);
        String ready = ObjectTree.condition(n, "Ready");
        f.put("ready", ready == null ? null : "True".equals(ready));
        f.put("schedulable", !Boolean.TRUE.equals(ObjectTree.at(n, "spec", "unschedulable")));
        f.put("labels", labels);
        return f;
    }

    private static Map<String, Object> loadBalancer(Map<String, Object> s) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("namespace", ObjectTree.at(s, "metadata", "namespace"));
        f.put("name", ObjectTree.at(s, "metadata", "name"));
        List<String> ips = new ArrayList<>();
        List<String> hostnames = new ArrayList<>();
        for (Object i : ObjectTree.list(ObjectTree.at(s, "status", "loadBalancer", "ingress"))) {
            Map<String, Object> ing = ObjectTree.map(i);
            if (ing.get("ip") != null) {
                ips.add(String.valueOf(ing.get("ip")));
            }
            if (ing.get("hostname") != null) {
                hostnames.add(String.valueOf(ing.get("hostname")));
            }
        }
        f.put("ips", ips);
        f.put("hostnames", hostnames);
        f.put("assigned", !ips.isEmpty() || !hostnames.isEmpty());
        Map<String, Object> ann = ObjectTree.map(ObjectTree.at(s, "metadata", "annotations"));
        Object pool = ann.get("metallb.io/ip-allocated-from-pool");
        if (pool == null) {
            pool = ann.get("metallb.universe.tf/ip-allocated-from-pool");
        }
        f.put("pool", pool);
        List<Object> ports = new ArrayList<>();
        for (Object p : ObjectTree.list(ObjectTree.at(s, "spec", "ports"))) {
            Map<String, Object> port = ObjectTree.map(p);
            Map<String, Object> pf = new LinkedHashMap<>();
            pf.put("port", port.get("port"));
            pf.put("protocol", port.getOrDefault("protocol", "TCP"));
            if (port.get("name") != null) {
                pf.put("name", port.get("name"));
            }
            ports.add(pf);
        }
        f.put("ports", ports);
        return f;
    }
}
