package edge.site;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import edge.cli.Cli;
import edge.cli.ExitCodes;
import edge.testlab.pfsense.FirewallLab;
import edge.testlab.speaker.SpeakerLab;
import edge.transport.k8s.KubeConnection;
import edge.transport.k8s.KubeResponse;
import edge.transport.k8s.KubeTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mission, end to end, with real components: the project's unchanged playbooks/site.yml run
 * through edge's CLI against the speaker lab (src/test/lab/speaker): MetalLB v0.14.8's own speakers,
 * one per node network namespace, peer with the FRR that edge configured on the emulated pfSense
 * (zebra + bgpd in the firewall's namespace); the firewall installs the LoadBalancer /32 with a next
 * hop per node; a client on another subnet connects to the LoadBalancer IP through the firewall.
 *
 * <p>Stand-ins (see the lab's README): the listener answering on the LB address in each node
 * namespace (for kube-proxy and the Service's pods), the EndpointSlice the test writes (for the
 * EndpointSlice controller), and the pfSense PHP/FRR-package emulation. Everything else is real.
 *
 * <p>The scenarios share one lab and run in order: converge from nothing; a no-op rerun; a node
 * added, then removed; the pool changed; a second firewall; and last, "Disable eBGP Require Policy"
 * cleared by hand, whose final step fails until edge resets the sessions MetalLB's speaker cannot
 * refresh (see that test).
 */
@Tag("lab")
@Tag("k8s")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpeakerEndToEndTest {
    static final String MASTER_PASSWORD = "speaker-Master-pw-9";
    static final Duration ROUTE_WAIT = Duration.ofSeconds(60);
    static SpeakerLab lab;
    static FirewallLab fw;
    /** The second firewall, once scenario 6 has added it to the lab and the inventory. */
    static FirewallLab fw2;
    static KubeConnection kube;
    static Cli cli;
    static Path project;
    @TempDir
    static Path dir;
    /** Node name -> IP of the nodes in the cluster and in the inventory. */
    static Map<String, String> nodes = new LinkedHashMap<>();
    static String lbIp;

    @BeforeAll
    static void labs() throws Exception {
        project = Path.of(System.getProperty("edge.basedir", ".")).toAbsolutePath().normalize();
        lab = SpeakerLab.start();
        System.out.printf("speaker lab up in %.1f s%n", lab.upSeconds());
        fw = lab.firewall();
        kube = KubeConnection.open(new KubeTarget(lab.kubeconfig(), null, "speaker-e2e"));
        cli = new Cli(dir);
        nodes.putAll(lab.nodes());
        writeLabInventory("192.168.32.0/24", 60);
    }

    @AfterAll
    static void stop() {
        if (kube != null) {
            kube.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /**
     * The project's group_vars plus a lab layer with only what differs in the lab: the nodes'
     * addresses, how edge reaches the firewall (SSH on 127.0.0.x) and the cluster, the firewall's
     * router id (its LAN address, which is not the address edge reaches it at), the manifest from
     * ../shared. site_networks, the ASNs, the advertisement and metallb_wait_for stay the project's.
     */
    static void writeLabInventory(String pool, int bgpWaitSeconds) throws IOException {
        StringBuilder hosts = new StringBuilder("all:\n  children:\n    k8s:\n      hosts:\n");
        nodes.forEach((name, ip) -> hosts.append("        ").append(name).append(": {ansible_host: ").append(ip).append("}\n"));
        hosts.append("    firewalls:\n      hosts:\n");
        firewallHost(hosts, "pfsense", fw, lab.firewallLanIp());
        if (fw2 != null) {
            firewallHost(hosts, "pfsense2", fw2, lab.secondFirewallLanIp());
        }
        cli.write("inventory/hosts.yml", hosts.toString());
        for (String group : List.of("all", "k8s", "firewalls")) {
            cli.write("inventory/group_vars/" + group + "/site.yml",
                    Files.readString(project.resolve("inventory/group_vars/" + group + ".yml")));
        }
        Path manifest = project.resolve("../shared/fixtures/metallb/metallb-native-v0.14.8.yaml").normalize();
        String sha = Files.readString(Path.of(manifest + ".sha256")).split("\\s+")[0];
        cli.write("inventory/group_vars/all/zz-lab.yml", """
                # lab: the manifest from ../shared instead of the network
                metallb_manifest_url: "file://%s"
                metallb_manifest_sha256: %s
                metallb_pool: %s
                bgp_wait_timeout: %d
                """.formatted(manifest, sha, pool, bgpWaitSeconds));
        cli.write("inventory/group_vars/k8s/zz-lab.yml", "k8s_kubeconfig: " + lab.kubeconfig() + "\n");
        Path secret = cli.write("secrets/frr-master-password", MASTER_PASSWORD + "\n");
        cli.write("inventory/group_vars/firewalls/zz-lab.yml",
                "frr_master_password: \"{{ lookup('file', '" + secret + "') }}\"\n");
    }

    static void firewallHost(StringBuilder hosts, String name, FirewallLab f, String routerId) {
        hosts.append("        ").append(name).append(":\n")
                .append("          ansible_host: ").append(f.host()).append('\n')
                .append("          ansible_port: ").append(f.sshPort()).append('\n')
                .append("          ansible_ssh_private_key_file: ").append(f.privateKey()).append('\n')
                .append("          edge_ssh_known_hosts: ").append(f.knownHosts()).append('\n')
                .append("          frr_router_id: ").append(routerId).append('\n');
    }

    static Cli.Result site(String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "-i", dir.resolve("inventory").toString(),
                project.resolve("playbooks/site.yml").toString()));
        args.addAll(List.of(extra));
        return cli.run(args.toArray(String[]::new));
    }

    static JsonNode k8s(String path) throws Exception {
        KubeResponse r = kube.get(path);
        return r.ok() ? edge.core.Json.mapper().valueToTree(r.json()) : null;
    }

    static void post(String path, String json) throws Exception {
        KubeResponse r = kube.request("POST", path, Map.of(), json.getBytes(StandardCharsets.UTF_8), "application/json");
        assertTrue(r.ok(), "POST " + path + ": " + r);
    }

    static boolean await(Duration timeout, Supplier<Boolean> condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.get()) {
                return true;
            }
            Thread.sleep(250);
        }
        return condition.get();
    }

    // ------------------------------------------------------------------------------------------
    // what the firewall sees

    /** {@code show bgp ipv4 unicast summary json} peers: address -> peer. */
    static Map<String, JsonNode> peers() {
        return peers(fw);
    }

    static Map<String, JsonNode> peers(FirewallLab f) {
        Map<String, JsonNode> m = new TreeMap<>();
        f.vtyshJson("show bgp ipv4 unicast summary").path("peers").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    /**
     * Every node's session is the same one as before: still Established, no connection established
     * or dropped since (FRR's per-peer counters), and, when {@code grown}, with a longer uptime (FRR
     * counts it in whole seconds: a check within a second of the previous one sees the same value).
     */
    static void assertNoFlap(Map<String, JsonNode> before, Map<String, JsonNode> after, boolean grown) {
        for (String ip : nodeIps()) {
            JsonNode b = before.get(ip);
            JsonNode a = after.get(ip);
            String msg = "the session with " + ip + " did not flap: " + b + " -> " + a;
            assertEquals("Established", a.path("state").asText(), msg);
            assertEquals(b.path("connectionsEstablished").asInt(), a.path("connectionsEstablished").asInt(), msg);
            assertEquals(b.path("connectionsDropped").asInt(), a.path("connectionsDropped").asInt(), msg);
            long ub = b.path("peerUptimeMsec").asLong();
            long ua = a.path("peerUptimeMsec").asLong();
            assertTrue(grown ? ua > ub : ua >= ub, msg);
        }
    }

    /** The firewall's peers that are the cluster's current nodes. */
    static List<JsonNode> nodePeers() {
        Map<String, JsonNode> all = peers();
        return nodeIps().stream().filter(all::containsKey).map(all::get).toList();
    }

    static Set<String> established() {
        return established(fw);
    }

    static Set<String> established(FirewallLab f) {
        Set<String> s = new TreeSet<>();
        peers(f).forEach((ip, p) -> {
            if ("Established".equals(p.path("state").asText())) {
                s.add(ip);
            }
        });
        return s;
    }

    /** BGP paths the firewall has for ip/32. */
    static List<JsonNode> bgpPaths(String ip) {
        List<JsonNode> l = new ArrayList<>();
        fw.vtyshJson("show bgp ipv4 unicast " + ip + "/32").path("paths").forEach(l::add);
        return l;
    }

    /** zebra's entry for ip/32 (what a real pfSense's zebra reports too), or a missing node. */
    static JsonNode zebraRoute(String ip) {
        return zebraRoute(fw, ip);
    }

    static JsonNode zebraRoute(FirewallLab f, String ip) {
        return f.vtyshJson("show ip route " + ip + "/32").path(ip + "/32").path(0);
    }

    /** Next hops zebra installed in the firewall namespace's kernel (fib) for ip/32. */
    static Set<String> installedNextHops(String ip) {
        return installedNextHops(fw, ip);
    }

    static Set<String> installedNextHops(FirewallLab f, String ip) {
        Set<String> s = new TreeSet<>();
        JsonNode r = zebraRoute(f, ip);
        if (r.path("installed").asBoolean() && r.path("selected").asBoolean()) {
            r.path("nexthops").forEach(nh -> {
                if (nh.path("fib").asBoolean()) {
                    s.add(nh.path("ip").asText());
                }
            });
        }
        return s;
    }

    static Set<String> nodeIps() {
        return new TreeSet<>(nodes.values());
    }

    static String loadBalancerIp(String service) throws Exception {
        JsonNode svc = k8s("/api/v1/namespaces/default/services/" + service);
        JsonNode ip = svc == null ? null : svc.at("/status/loadBalancer/ingress/0/ip");
        return ip != null && ip.isTextual() ? ip.asText() : null;
    }

    static String awaitLoadBalancerIp(String service, String prefix) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String ip = loadBalancerIp(service);
        while ((ip == null || !ip.startsWith(prefix)) && System.nanoTime() < end) {
            Thread.sleep(250);
            ip = loadBalancerIp(service);
        }
        return ip;
    }

    static Optional<String> awaitClientConnects(String ip, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        Optional<String> answer = lab.connectFromClient(ip);
        while (answer.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(500);
            answer = lab.connectFromClient(ip);
        }
        return answer;
    }

    // ------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void fromNothingTheClientReachesTheLoadBalancerIpThroughTheFirewall() throws Exception {
        // A Service the way an application team would create it, before MetalLB exists; the
        // EndpointSlice stands in for the EndpointSlice controller (there are no pods).
        post("/api/v1/namespaces/default/services", """
                {"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},
                 "spec":{"type":"LoadBalancer","ports":[{"port":80}],"selector":{"app":"web"}}}""");
        post("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", """
                {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
                 "metadata":{"name":"web-lab","labels":{"kubernetes.io/service-name":"web"}},
                 "addressType":"IPv4","ports":[{"name":"","port":80,"protocol":"TCP"}],
                 "endpoints":[{"addresses":["10.244.1.5"],"conditions":{"ready":true},"nodeName":"k8snode1"}]}""");

        Cli.Result validate = cli.run("validate", "-i", dir.resolve("inventory").toString(), project.resolve("playbooks/site.yml").toString());
        assertEquals(0, validate.exitCode(), validate::all);

        long t0 = System.nanoTime();
        Cli.Result first = site("--detailed-exitcode");
        double runSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.println("=== edge run playbooks/site.yml (from nothing, real speakers)\n" + first.out());
        assertEquals(ExitCodes.CHANGED, first.exitCode(), first::all);
        assertFalse(first.all().contains(MASTER_PASSWORD), "the master password never shows");

        lbIp = awaitLoadBalancerIp("web", "192.168.32.");
        assertNotNull(lbIp, "MetalLB assigned an address from the pool");
        Optional<String> answer = awaitClientConnects(lbIp, ROUTE_WAIT);
        double reachedSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("run took %.1f s; run start -> client reached %s: %.1f s (answer: %s)%n",
                runSeconds, lbIp, reachedSeconds, answer.orElse("none"));

        // every speaker is Established on the firewall
        assertEquals(nodeIps(), established(), "every node's speaker is Established: " + peers());
        // the /32 from every node, community no-advertise; MetalLB sends LOCAL_PREF to iBGP peers
        // only, so the firewall (eBGP) never sees the advertisement's localPref
        assertEquals(100, k8s("/apis/metallb.io/v1beta1/namespaces/metallb-system/bgpadvertisements/metallb-advertisment")
                .at("/spec/localPref").asInt(), "the BGPAdvertisement asks for localPref 100");
        List<JsonNode> paths = bgpPaths(lbIp);
        System.out.println("=== firewall: show bgp ipv4 unicast " + lbIp + "/32 json\n" + paths);
        Set<String> from = new TreeSet<>();
        for (JsonNode p : paths) {
            from.add(p.at("/peer/peerId").asText());
            assertEquals("no-advertise", p.at("/community/string").asText(), p.toString());
            assertTrue(p.path("valid").asBoolean(), p.toString());
            assertFalse(p.has("locPrf"), "no LOCAL_PREF reaches an eBGP peer: " + p);
        }
        assertEquals(nodeIps(), from, "a path from every node");
        // installed in the firewall namespace's kernel with a next hop per node (ECMP)
        JsonNode route = zebraRoute(lbIp);
        System.out.println("=== firewall: show ip route " + lbIp + "/32 json\n" + route.toPrettyString());
        assertEquals("bgp", route.path("protocol").asText(), route.toString());
        assertEquals(nodeIps(), installedNextHops(lbIp), route.toString());
        String kernel = lab.inNamespace("fw", "ip", "route", "show", lbIp).stdout();
        for (String ip : nodeIps()) {
            assertTrue(kernel.contains("nexthop via " + ip + " "), "kernel ECMP route via " + ip + ":\n" + kernel);
        }
        // and the client, on another subnet, reaches the LoadBalancer IP through the firewall
        assertTrue(answer.isPresent(), "the client connected to " + lbIp + ":80");
        assertTrue(answer.get().endsWith(" " + lbIp) && nodes.containsKey(answer.get().split(" ")[0]),
                "a node's listener answered on the LoadBalancer IP: " + answer.get());
        // edge's verify play ran its route check on the address MetalLB assigned (the Service existed during the run),
        // and showed the sessions and the installed route as a table
        String verify = first.out().substring(first.out().indexOf("TASK [the pool's routes arrive"));
        assertTrue(verify.contains("ok: [pfsense]"), verify);
        assertTrue(verify.contains("  route " + lbIp + "/32: 3 path(s) with community no-advertise, installed via "
                + String.join(", ", nodeIps())), verify);
        for (String node : nodes.keySet()) {
            if (nodeIps().contains(nodes.get(node))) {
                assertTrue(verify.matches("(?s).*\n  " + node + " +" + java.util.regex.Pattern.quote(nodes.get(node)) + " +Established .*"),
                        node + "'s session in the table\n" + verify);
            }
        }
    }

    @Test
    @Order(2)
    void aNoOpRerunChangesNothingAndNoSessionFlaps() throws Exception {
        Map<String, JsonNode> before = peers();
        Map<String, JsonNode> speakersBefore = lab.speakers();
        int writes = fw.writeConfigCount();
        int generated = fw.generateCount();
        long t0 = System.nanoTime();
        Cli.Result again = site("--detailed-exitcode");
        System.out.printf("no-op rerun with real speakers: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(ExitCodes.OK, again.exitCode(), again::all);
        SiteEndToEndTest.changedPerHost(again.out()).forEach((h, c) -> assertEquals(0, c, h + " changed\n" + again.out()));
        assertEquals(writes, fw.writeConfigCount(), "no write_config");
        assertEquals(generated, fw.generateCount(), "no FRR regeneration");
        // FRR reports uptime in whole seconds: let one pass before comparing (the run may be quicker)
        Thread.sleep(Math.max(0, 1100 - (System.nanoTime() - t0) / 1_000_000));
        assertNoFlap(before, peers(), true);
        Map<String, JsonNode> speakersAfter = lab.speakers();
        for (String node : nodes.keySet()) {
            assertEquals(speakersBefore.get(node).path("pid").asInt(), speakersAfter.get(node).path("pid").asInt(), "speaker " + node + " not restarted");
            assertEquals(speakersBefore.get(node).path("restarts").asInt(), speakersAfter.get(node).path("restarts").asInt());
        }
        assertEquals(nodeIps(), installedNextHops(lbIp));
    }

    @Test
    @Order(3)
    void aNodeAddedPeersAndTheRouteGainsANextHop() throws Exception {
        Map.Entry<String, String> spare = lab.spareNodes().entrySet().iterator().next();
        // the node joins the cluster (its kubelet would register it): the lab starts its speaker
        post("/api/v1/nodes", ("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\",\"labels\":"
                + "{\"kubernetes.io/hostname\":\"%s\",\"kubernetes.io/os\":\"linux\"}}}").formatted(spare.getKey(), spare.getKey()));
        KubeResponse st = kube.request("PATCH", "/api/v1/nodes/" + spare.getKey() + "/status", Map.of(),
                ("{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"%s\"},{\"type\":\"Hostname\",\"address\":\"%s\"}]}}")
                        .formatted(spare.getValue(), spare.getKey()).getBytes(StandardCharsets.UTF_8), "application/merge-patch+json");
        assertTrue(st.ok(), st.toString());
        // ... and to the inventory
        nodes.put(spare.getKey(), spare.getValue());
        writeLabInventory("192.168.32.0/24", 60);
        Cli.Result r = site("--detailed-exitcode");
        System.out.println("=== edge run (node " + spare.getKey() + " added)\n" + r.out());
        assertEquals(ExitCodes.CHANGED, r.exitCode(), r::all);
        assertTrue(fw.frrConf().contains("neighbor " + spare.getValue() + " remote-as 64500"), fw::frrConf);
        assertTrue(await(ROUTE_WAIT, () -> established().equals(nodeIps())), "the new node's speaker peers: " + peers());
        assertTrue(await(ROUTE_WAIT, () -> installedNextHops(lbIp).equals(nodeIps())),
                "the route gains the new node as a next hop: " + zebraRoute(lbIp));
        assertTrue(awaitClientConnects(lbIp, ROUTE_WAIT).isPresent());
    }

    /**
     * The node leaves the cluster and the inventory. Its speaker stops, so its path and next hop
     * go. site.yml declares the neighbours without {@code exclusive: true}, so the firewall keeps
     * the neighbour, which is now idle. Removing it needs that flag in the playbook.
     */
    @Test
    @Order(4)
    void aNodeRemovedTakesItsNextHopAndTheFirewallKeepsItsIdleNeighbour() throws Exception {
        Map.Entry<String, String> spare = lab.spareNodes().entrySet().iterator().next();
        KubeResponse del = kube.request("DELETE", "/api/v1/nodes/" + spare.getKey(), Map.of(), null, null);
        assertTrue(del.ok(), del.toString());
        nodes.remove(spare.getKey());
        writeLabInventory("192.168.32.0/24", 60);
        assertTrue(await(ROUTE_WAIT, () -> installedNextHops(lbIp).equals(nodeIps())),
                "the removed node's next hop is withdrawn: " + zebraRoute(lbIp));
        Cli.Result r = site("--detailed-exitcode");
        System.out.println("=== edge run (node " + spare.getKey() + " removed)\n" + r.out());
        assertEquals(ExitCodes.OK, r.exitCode(), r::all);
        assertTrue(fw.frrConf().contains("neighbor " + spare.getValue() + " remote-as 64500"),
                "without exclusive: true the neighbour stays in frr.conf\n" + fw.frrConf());
        // the removed node's speaker stops when its Node goes; its session ends when the firewall notices (bounded wait)
        assertTrue(await(ROUTE_WAIT, () -> !established().contains(spare.getValue())), "and it is not Established: " + peers());
        assertEquals(nodeIps(), installedNextHops(lbIp));
    }

    @Test
    @Order(5)
    void aChangedPoolWithdrawsTheOldRouteAndTheNewAddressIsReachable() throws Exception {
        String old = lbIp;
        writeLabInventory("192.168.33.0/24", 60);
        Cli.Result r = site("--detailed-exitcode");
        System.out.println("=== edge run (pool changed to 192.168.33.0/24)\n" + r.out());
        assertEquals(ExitCodes.CHANGED, r.exitCode(), r::all);
        lbIp = awaitLoadBalancerIp("web", "192.168.33.");
        assertNotNull(lbIp, "MetalLB moved the Service into the new pool");
        String now = lbIp;
        assertTrue(await(ROUTE_WAIT, () -> bgpPaths(old).isEmpty() && zebraRoute(old).isMissingNode()),
                "the old /32 is withdrawn: " + bgpPaths(old));
        assertTrue(await(ROUTE_WAIT, () -> installedNextHops(now).equals(nodeIps())), "the new /32 via every node: " + zebraRoute(now));
        Optional<String> answer = awaitClientConnects(now, ROUTE_WAIT);
        assertTrue(answer.isPresent() && answer.get().endsWith(" " + now), "the client reaches " + now + ": " + answer);
        assertTrue(lab.connectFromClient(old).isEmpty(), "the old address is no longer reachable");
    }

    /** One more inventory line: a second BGPPeer, and the second firewall learns the route too. */
    @Test
    @Order(6)
    void aSecondFirewallGetsItsBgpPeerAndLearnsTheRouteToo() throws Exception {
        fw2 = lab.startSecondFirewall();
        writeLabInventory("192.168.33.0/24", 60);
        Cli.Result r = site("--detailed-exitcode");
        System.out.println("=== edge run (a second firewall, pfsense2)\n" + r.out());
        assertEquals(ExitCodes.CHANGED, r.exitCode(), r::all);
        JsonNode peer = k8s("/apis/metallb.io/v1beta2/namespaces/metallb-system/bgppeers/metallb-bgppeer-pfsense2");
        assertNotNull(peer, "a second BGPPeer");
        assertEquals(lab.secondFirewallLanIp(), peer.at("/spec/peerAddress").asText());
        assertTrue(await(ROUTE_WAIT, () -> established(fw2).equals(nodeIps())), "every speaker peers with pfsense2: " + peers(fw2));
        assertTrue(await(ROUTE_WAIT, () -> installedNextHops(fw2, lbIp).equals(nodeIps())),
                "pfsense2 installs the route via every node: " + zebraRoute(fw2, lbIp));
        assertEquals(nodeIps(), installedNextHops(fw, lbIp), "the first firewall keeps its route");
    }

    /**
     * "Disable eBGP Require Policy" cleared by hand (a GUI save: config.xml written, FRR
     * regenerated and, as pfSense does when only the configuration changed, reloaded in place).
     * This test shows what really happens:
     * <ol>
     * <li>the reload keeps the sessions, and FRR keeps the routes it accepted earlier: nothing breaks yet;
     * <li>at the next session reset (here: FRR restarted, as at a reboot) every session comes back
     *     Established with peerState "Policy": no route, the client cannot connect;
     * <li>{@code --check --detailed-exitcode} reports the drift (10);
     * <li>one run restores the option (applied by reload again); MetalLB's native speaker has no route
     *     refresh, so the routes come back only because edge resets exactly the sessions that refused
     *     them, once the new configuration is live, and says so.
     * </ol>
     */
    @Test
    @Order(7)
    void requirePolicyClearedByHandIsFoundByCheckAndRepairedByOneRun() throws Exception {
        writeLabInventory("192.168.33.0/24", 20); // the repair's routes come back at once: no long waits
        Map<String, JsonNode> before = peers();
        int reloads = reloads();
        FirewallLab.ExecResult gui = fw.php("<?php require_once('config.inc'); require_once('/usr/local/pkg/frr.inc');"
                + " config_set_path('installedpackages/frrbgpadvanced/config/0/disableebgprequirepolicy', '');"
                + " write_config('FRR BGP Advanced: Disable eBGP Require Policy cleared by a person');"
                + " frr_generate_config();");
        assertTrue(gui.ok(), gui.toString());
        assertTrue(await(Duration.ofSeconds(30), () -> reloads() > reloads), "pfSense applied the change by reload: " + fw.frrServiceActions());
        assertTrue(await(Duration.ofSeconds(30), () -> nodePeers().stream().allMatch(p -> "Policy".equals(p.path("peerState").asText()))),
                "RFC 8212 is back in force on every session: " + peers());
        assertNoFlap(before, peers(), false);
        assertEquals(nodeIps(), installedNextHops(lbIp), "FRR keeps the routes it accepted before the change");

        // the next session reset: FRR restarted (a reboot, or Status > Services > restart)
        FirewallLab.ExecResult restart = fw.ssh("/usr/local/etc/rc.d/frr.sh restart");
        assertTrue(restart.ok(), restart.toString());
        assertTrue(await(ROUTE_WAIT, () -> established().equals(nodeIps())), "the sessions come back: " + peers());
        assertTrue(await(Duration.ofSeconds(10), () -> nodePeers().stream().allMatch(p -> "Policy".equals(p.path("peerState").asText())
                && p.path("pfxRcd").asInt() == 0)), "Established, but no route accepted: " + peers());
        assertTrue(zebraRoute(lbIp).isMissingNode(), "no route to " + lbIp + " on the firewall");
        assertTrue(lab.connectFromClient(lbIp).isEmpty(), "the client cannot connect");

        Cli.Result check = site("--check", "--diff", "--detailed-exitcode");
        System.out.println("=== edge run --check --diff (Disable eBGP Require Policy cleared by hand)\n" + check.out());
        assertEquals(ExitCodes.CHANGED, check.exitCode(), check::all);
        assertTrue(check.out().contains("frrbgpadvanced.disableebgprequirepolicy: \"\" -> on"), "the diff names the option\n" + check.out());

        Cli.Result fix = site("--detailed-exitcode");
        System.out.println("=== edge run (repair)\n" + fix.out());
        boolean routeBack = await(Duration.ofSeconds(10), () -> installedNextHops(lbIp).equals(nodeIps()));
        Optional<String> answer = lab.connectFromClient(lbIp);
        assertAll("one run brings the route and the connection back",
                () -> assertTrue(fw.readConfigXml().contains("<disableebgprequirepolicy>on</disableebgprequirepolicy>"), "option restored"),
                () -> assertTrue(routeBack, "routes accepted again (MetalLB's speaker has no route refresh: edge must reset"
                        + " the sessions whose inbound policy changed): " + peers()),
                () -> assertTrue(answer.isPresent(), "the client connects to " + lbIp),
                () -> assertEquals(ExitCodes.CHANGED, fix.exitCode(), fix.all()),
                () -> assertTrue(fix.out().contains("[WARNING]: pfsense: reset the BGP sessions with " + String.join(", ", nodeIps())
                        + ": they refused routes under RFC 8212"), "edge says which sessions it reset and why\n" + fix.out()));
    }

    static int reloads() {
        return (int) fw.events("frr_service").stream().filter(l -> l.contains("reload:")).count();
    }
}
