package edge.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import edge.cli.Cli;
import edge.cli.ExitCodes;
import edge.testlab.k8s.ControlPlane;
import edge.testlab.pfsense.FirewallLab;
import edge.transport.k8s.KubeConnection;
import edge.transport.k8s.KubeResponse;
import edge.transport.k8s.KubeTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project's own playbooks/site.yml, unchanged, against the firewall lab (real sshd, php, FRR)
 * and the Kubernetes lab (real kube-apiserver, MetalLB's controller) together, with a lab inventory
 * that takes the project's group_vars and overrides only addresses, credentials and the manifest's
 * location. Converge, re-run with 0 changed, drift on both sides found by --check and corrected by
 * one run, a node added to the inventory, the pool's route verified once a LoadBalancer exists.
 */
@Tag("lab")
@Tag("k8s")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SiteEndToEndTest {
    static final String MASTER_PASSWORD = "site-Master-pw-7";
    static FirewallLab fw;
    static ControlPlane cp;
    static KubeConnection kube;
    @TempDir
    static Path dir;
    static Cli cli;
    static Path project;

    @BeforeAll
    static void labs() throws Exception {
        project = Path.of(System.getProperty("edge.basedir", ".")).toAbsolutePath().normalize();
        fw = FirewallLab.start();
        List<String> nodes = fw.nodeIps();
        cp = ControlPlane.start(new ControlPlane.Options().nodes(
                "k8smaster1=" + nodes.get(0) + ",k8snode1=" + nodes.get(1) + ",k8snode2=" + nodes.get(2)));
        kube = KubeConnection.open(new KubeTarget(cp.kubeconfig(), null, "e2e"));
        cli = new Cli(dir);
        writeLabInventory(List.of("k8smaster1", "k8snode1", "k8snode2"), nodes);
    }

    @AfterAll
    static void stop() {
        if (kube != null) {
            kube.close();
        }
        if (cp != null) {
            cp.close();
        }
        if (fw != null) {
            fw.close();
        }
    }

    /** The project's group_vars plus a lab layer: addresses, credentials, the manifest from ../shared. */
    static void writeLabInventory(List<String> names, List<String> ips) throws IOException {
        StringBuilder hosts = new StringBuilder("all:\n  children:\n    k8s:\n      hosts:\n");
        for (int i = 0; i < names.size(); i++) {
            hosts.append("        ").append(names.get(i)).append(": {ansible_host: ").append(ips.get(i)).append("}\n");
        }
        hosts.append("    firewalls:\n      hosts:\n        pfsense:\n")
                .append("          ansible_host: ").append(fw.host()).append('\n')
                .append("          ansible_port: ").append(fw.sshPort()).append('\n')
                .append("          ansible_ssh_private_key_file: ").append(fw.privateKey()).append('\n')
                .append("          edge_ssh_known_hosts: ").append(fw.knownHosts()).append('\n');
        cli.write("inventory/hosts.yml", hosts.toString());
        for (String group : List.of("all", "k8s", "firewalls")) {
            cli.write("inventory/group_vars/" + group + "/site.yml",
                    Files.readString(project.resolve("inventory/group_vars/" + group + ".yml")));
        }
        Path manifest = project.resolve("../shared/fixtures/metallb/metallb-native-v0.14.8.yaml").normalize();
        String sha = Files.readString(Path.of(manifest + ".sha256")).split("\\s+")[0];
        cli.write("inventory/group_vars/all/zz-lab.yml", """
                # lab: the manifest from ../shared instead of the network; the lab's loopback network
                metallb_manifest_url: "file://%s"
                metallb_manifest_sha256: %s
                site_networks: ["127.0.0.0/24"]
                # no kubelet in the lab, so the speaker DaemonSet never rolls out (FRR speakers stand in)
                metallb_wait_for: [Deployment, Service]
                metallb_wait_timeout: 180
                bgp_wait_timeout: 90
                # this lab's firewall bgpd runs without zebra: nothing is installed (SpeakerEndToEndTest checks that)
                bgp_verify_installed: false
                """.formatted(manifest, sha));
        cli.write("inventory/group_vars/k8s/zz-lab.yml", "k8s_kubeconfig: " + cp.kubeconfig() + "\n");
        Path secret = cli.write("secrets/frr-master-password", MASTER_PASSWORD + "\n");
        cli.write("inventory/group_vars/firewalls/zz-lab.yml",
                "frr_master_password: \"{{ lookup('file', '" + secret + "') }}\"\n");
    }

    static Cli.Result site(String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "-i", dir.resolve("inventory").toString(),
                project.resolve("playbooks/site.yml").toString()));
        args.addAll(List.of(extra));
        return cli.run(args.toArray(String[]::new));
    }

    static Map<String, Integer> changedPerHost(String out) {
        Map<String, Integer> m = new java.util.TreeMap<>();
        Matcher matcher = Pattern.compile("(?m)^(\\S+)\\s+: ok=\\d+\\s+changed=(\\d+)").matcher(out);
        while (matcher.find()) {
            m.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
        }
        return m;
    }

    static JsonNode k8s(String path) throws Exception {
        KubeResponse r = kube.get(path);
        return r.ok() ? edge.core.Json.mapper().valueToTree(r.json()) : null;
    }

    static final String PEER = "/apis/metallb.io/v1beta2/namespaces/metallb-system/bgppeers/metallb-bgppeer-pfsense";
    static final String POOL = "/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools/metallb-pool";
    static final String ADV = "/apis/metallb.io/v1beta1/namespaces/metallb-system/bgpadvertisements/metallb-advertisment";

    @Test
    @Order(1)
    void validatesThenConvergesBothSides() throws Exception {
        Cli.Result validate = cli.run("validate", "-i", dir.resolve("inventory").toString(), project.resolve("playbooks/site.yml").toString());
        assertEquals(0, validate.exitCode(), validate::all);

        Cli.Result first = site("--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, first.exitCode(), first::all);
        assertFalse(first.all().contains(MASTER_PASSWORD), "the master password never shows");
        assertTrue(fw.awaitEstablished(3, Duration.ofSeconds(60)), "3 sessions Established");
        JsonNode peer = k8s(PEER);
        assertEquals(fw.host(), peer.at("/spec/peerAddress").asText(), "peerAddress = the firewall's router id");
        assertEquals(64500, peer.at("/spec/myASN").asInt());
        assertEquals(64501, peer.at("/spec/peerASN").asInt());
        assertEquals("192.168.32.0/24", k8s(POOL).at("/spec/addresses/0").asText());
        assertEquals(100, k8s(ADV).at("/spec/localPref").asInt());
        assertEquals("65535:65282", k8s(ADV).at("/spec/communities/0").asText());
        assertTrue(fw.frrConf().contains("no bgp ebgp-requires-policy"), fw::frrConf);
        assertTrue(fw.frrConf().contains("neighbor " + fw.nodeIps().get(2) + " remote-as 64500"), fw::frrConf);
    }

    @Test
    @Order(2)
    void secondRunChangesNothing() {
        int backups = fw.backupCount();
        int generated = fw.generateCount();
        Cli.Result again = site("--detailed-exitcode");
        assertEquals(0, again.exitCode(), again::all);
        changedPerHost(again.out()).forEach((h, c) -> assertEquals(0, c, h + " changed\n" + again.out()));
        assertEquals(backups, fw.backupCount(), "no new config.xml backup");
        assertEquals(generated, fw.generateCount(), "no FRR regeneration");
    }

    @Test
    @Order(3)
    void driftOnBothSidesIsReportedByCheckAndCorrectedByOneRun() throws Exception {
        kube.request("DELETE", PEER, Map.of(), null, null);
        kube.request("PATCH", POOL, Map.of(), "{\"spec\":{\"addresses\":[\"192.168.33.0/24\"]}}".getBytes(StandardCharsets.UTF_8),
                "application/merge-patch+json");
        fw.php("<?php require_once('config.inc'); $n = config_get_path('installedpackages/frrbgpneighbors/config', []);"
                + " $n[0]['asnum'] = '64999'; config_set_path('installedpackages/frrbgpneighbors/config', $n);"
                + " config_set_path('installedpackages/frrbgpadvanced/config/0/disableebgprequirepolicy', '');"
                + " write_config('drift by a person'); ");
        String xmlAfterDrift = fw.readConfigXml();

        Cli.Result check = site("--check", "--diff", "--detailed-exitcode");
        System.out.println("=== edge run playbooks/site.yml --check --diff (drift on both sides)\n" + check.out());
        assertEquals(ExitCodes.CHANGED, check.exitCode(), check::all);
        assertTrue(check.out().contains("64999") && check.out().contains("192.168.33.0/24"), "the diff shows both drifts\n" + check.out());
        assertEquals(xmlAfterDrift, fw.readConfigXml(), "--check changes nothing on the firewall");
        assertEquals(null, k8s(PEER), "--check changes nothing on the cluster");

        Cli.Result fix = site("--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, fix.exitCode(), fix::all);
        assertEquals(fw.host(), k8s(PEER).at("/spec/peerAddress").asText());
        assertEquals("192.168.32.0/24", k8s(POOL).at("/spec/addresses/0").asText());
        assertTrue(fw.readConfigXml().contains("<disableebgprequirepolicy>on</disableebgprequirepolicy>"));
        assertFalse(fw.readConfigXml().contains("64999"));
        assertTrue(fw.awaitEstablished(3, Duration.ofSeconds(60)));

        Cli.Result quiet = site("--detailed-exitcode");
        assertEquals(0, quiet.exitCode(), quiet::all);
    }

    @Test
    @Order(4)
    void aNodeAddedToTheInventoryBecomesAnEstablishedNeighbour() throws Exception {
        List<String> ips = new ArrayList<>(fw.nodeIps());
        String spare = fw.spareNodeIp();
        fw.addSpeaker(spare);
        ips.add(spare);
        kube.request("POST", "/api/v1/nodes", Map.of(), ("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"k8snode3\"},"
                + "\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"" + spare + "\"}]}}").getBytes(StandardCharsets.UTF_8),
                "application/json");
        writeLabInventory(List.of("k8smaster1", "k8snode1", "k8snode2", "k8snode3"), ips);
        Cli.Result r = site("--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, r.exitCode(), r::all);
        assertTrue(fw.frrConf().contains("neighbor " + spare + " remote-as 64500"), fw::frrConf);
        assertTrue(fw.awaitEstablished(4, Duration.ofSeconds(60)), "the new node's session is Established");
        assertFalse(r.out().contains("...ignoring"), "the inventory matches the cluster's nodes\n" + r.out());
    }

    @Test
    @Order(5)
    void thePoolsRouteIsVerifiedOnceALoadBalancerHasAnAddress() throws Exception {
        kube.request("POST", "/api/v1/namespaces/default/services", Map.of(), """
                {"apiVersion":"v1","kind":"Service","metadata":{"name":"web",
                 "annotations":{"metallb.universe.tf/loadBalancerIPs":"192.168.32.10"}},
                 "spec":{"type":"LoadBalancer","ports":[{"port":80}],"selector":{"app":"web"}}}""".getBytes(StandardCharsets.UTF_8),
                "application/json");
        String ip = null;
        for (int i = 0; i < 60 && ip == null; i++) {
            JsonNode svc = k8s("/api/v1/namespaces/default/services/web");
            JsonNode ingress = svc == null ? null : svc.at("/status/loadBalancer/ingress/0/ip");
            if (ingress != null && ingress.isTextual()) {
                ip = ingress.asText();
            } else {
                Thread.sleep(500);
            }
        }
        // the address the FRR stand-ins announce (this test is about the firewall; SpeakerEndToEndTest has MetalLB's speakers)
        assertEquals("192.168.32.10", ip, "MetalLB assigned the requested address from the pool");
        Cli.Result r = site("--detailed-exitcode", "--tags", "verify");
        assertEquals(0, r.exitCode(), r::all);
        String verify = r.out().substring(r.out().indexOf("TASK [the pool's routes arrive"));
        assertTrue(verify.contains("ok: [pfsense]"), "the route check ran on the firewall\n" + r.out());
        assertTrue(verify.matches("(?s).*\n  route 192\\.168\\.32\\.10/32: [34] path\\(s\\) with community no-advertise\n.*"),
                "the table shows the route, one path per speaker\n" + verify);
        assertTrue(verify.matches("(?s).*\n  k8smaster1 +127\\.0\\.0\\.\\d+ +Established.*"), "and the sessions\n" + verify);
    }
}
