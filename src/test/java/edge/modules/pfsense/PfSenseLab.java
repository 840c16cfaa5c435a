package edge.modules.pfsense;

import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.cli.Cli;
import edge.testlab.pfsense.FirewallLab;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** Helpers of the pfSense acceptance tests: the lab inventory and playbook, config.xml views, drift. */
final class PfSenseLab {
    static final String MASTER_PASSWORD = "Fw-master&pw<42>";

    private PfSenseLab() {
    }

    /** The firewall of the lab as an inventory host, with extra vars. */
    static String host(FirewallLab fw, String name, String... extraVars) {
        StringBuilder sb = new StringBuilder();
        sb.append("        ").append(name).append(":\n");
        sb.append("          ansible_host: ").append(fw.host()).append('\n');
        sb.append("          ansible_port: ").append(fw.sshPort()).append('\n');
        sb.append("          ansible_user: ").append(fw.user()).append('\n');
        sb.append("          ansible_ssh_private_key_file: ").append(fw.privateKey()).append('\n');
        sb.append("          edge_ssh_known_hosts: ").append(fw.knownHosts()).append('\n');
        sb.append("          edge_ssh_connect_timeout: 10\n");
        for (String v : extraVars) {
            sb.append("          ").append(v).append('\n');
        }
        return sb.toString();
    }

    static String inventory(String... hosts) {
        return "all:\n  children:\n    firewalls:\n      hosts:\n" + String.join("", hosts);
    }

    /** The operator's site: FRR installed, BGP AS 64501 with the three nodes as eBGP neighbors, then verified. */
    static String site(FirewallLab fw) {
        List<String> nodes = fw.nodeIps();
        StringBuilder neighbors = new StringBuilder();
        String[] names = {"k8smaster1 & <api>", "k8snode1", "k8snode2"};
        for (int i = 0; i < nodes.size(); i++) {
            neighbors.append("          - address: ").append(nodes.get(i)).append('\n')
                    .append("            remote_as: ").append(fw.nodeAs()).append('\n')
                    .append("            description: \"").append(names[i % names.length]).append("\"\n");
        }
        return """
                - name: pfSense BGP for MetalLB
                  hosts: firewalls
                  vars:
                    frr_master_password: "%s"
                    router_id: %s
                  tasks:
                    - name: FRR package
                      pfsense_package:
                        name: pfSense-pkg-frr
                    - name: FRR global settings
                      pfsense_frr_global:
                        enable: true
                        router_id: "{{ router_id }}"
                        master_password: "{{ frr_master_password }}"
                    - name: BGP
                      pfsense_frr_bgp:
                        enable: true
                        asn: 64501
                        router_id: "{{ router_id }}"
                    - name: BGP advanced
                      pfsense_frr_bgp_advanced:
                        disable_ebgp_require_policy: true
                    - name: MetalLB speakers as neighbors
                      pfsense_frr_bgp_neighbors:
                        exclusive: true
                        neighbors:
                %s
                    - name: sessions up and the pool arrived
                      pfsense_bgp_verify:
                        neighbors: %s
                        routes_within: 192.168.32.0/24
                        routes_community: no-advertise
                        installed: false  # this lab's bgpd runs without zebra (the speaker lab checks installation)
                        timeout: 60
                        interval: 1
                """.formatted(MASTER_PASSWORD, fw.host(), neighbors.toString().stripTrailing(), nodes);
    }

    static Cli.Result run(Cli cli, String playbook, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "-i", cli.dir().resolve("inventory").toString(),
                cli.dir().resolve(playbook).toString()));
        args.addAll(List.of(extra));
        return cli.run(args.toArray(String[]::new));
    }

    /** Runs PHP with pfSense's config API on the lab firewall (system ssh), e.g. to drift config.xml. */
    static void php(FirewallLab fw, String body) {
        FirewallLab.ExecResult r = fw.php("<?php\nrequire_once(\"config.inc\");\nrequire_once(\"util.inc\");\n" + body + "\n");
        assertTrue(r.ok() && !r.stdout().contains("Fatal"), () -> "lab php failed: " + r);
    }

    /** config.xml as path=value lines (list elements indexed), for comparisons that ignore some paths. */
    static Map<String, String> flatten(String xml, Predicate<String> ignore) throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        Map<String, String> out = new TreeMap<>();
        walk(doc.getDocumentElement(), "", out);
        out.keySet().removeIf(ignore);
        return out;
    }

    private static void walk(Element e, String path, Map<String, String> out) {
        Map<String, Integer> seen = new TreeMap<>();
        boolean leaf = true;
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element child) {
                leaf = false;
                int i = seen.merge(child.getTagName(), 1, Integer::sum) - 1;
                walk(child, path + "/" + child.getTagName() + "[" + i + "]", out);
            }
        }
        if (leaf) {
            out.put(path, e.getTextContent());
        }
    }

    static void assertValidXml(String xml) throws Exception {
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    /** A project in {@code dir} with an inventory of the lab's firewall as host fw1. */
    static Cli project(Path dir, FirewallLab fw) {
        Cli cli = new Cli(dir);
        write(cli, "inventory/hosts.yml", inventory(host(fw, "fw1")));
        return cli;
    }

    /** How many SSH logins the lab's sshd has accepted so far (to prove that nothing was contacted). */
    static long acceptedLogins(FirewallLab fw) throws IOException {
        Path log = fw.stateDir().resolve("log/sshd.log");
        return java.nio.file.Files.readAllLines(log).stream().filter(l -> l.startsWith("Accepted ") && l.contains(" for ")).count();
    }

    static Path dir(Cli cli) {
        return cli.dir();
    }

    static void write(Cli cli, String file, String content) {
        try {
            cli.write(file, content);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
