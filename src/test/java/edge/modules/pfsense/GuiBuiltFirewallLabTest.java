package edge.modules.pfsense;

import static edge.modules.pfsense.PfSenseLab.php;
import static edge.modules.pfsense.PfSenseLab.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.cli.Cli;
import edge.cli.ExitCodes;
import edge.core.Json;
import edge.testlab.k8s.LabBinaries;
import edge.testlab.pfsense.FirewallLab;
import edge.testlab.pfsense.WithFirewallLab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * A firewall whose FRR was clicked together in pfSense's GUI before edge came: config.xml as the GUI
 * saves it (every field of each page, empty strings and "on"; the shared fixture
 * SYNTHETIC__pfsense-pkg-frr__metallb-gui-style.xml, with the lab's addresses), plus what edge does not
 * manage: an upstream neighbour, extra options on a node's neighbour (TCP-MD5 password, BFD,
 * update-source), a route map, a prefix list, an empty raw-config section. edge's first run reports ok
 * where the GUI matches, changes exactly the one field that differs, touches and reorders nothing else;
 * a GUI save afterwards and edge's next run do not undo each other.
 */
@WithFirewallLab
class GuiBuiltFirewallLabTest {
    @TempDir
    Path dir;

    static final String SECTIONS_PLAY = """
            - hosts: firewalls
              tasks:
                - pfsense_frr_global: {enable: true, router_id: "%1$s", master_password: "%2$s"}
                - pfsense_frr_bgp: {enable: true, asn: 64501, router_id: "%1$s"}
                - pfsense_frr_bgp_advanced: {disable_ebgp_require_policy: true}
                - pfsense_frr_bgp_neighbors:
                    neighbors:
            %3$s
            """;

    @Test
    void aGuiBuiltFirewallIsAdoptedTouchingOnlyWhatDiffersAndAGuiSaveAfterwardsIsNoDrift(FirewallLab fw) throws Exception {
        Cli cli = PfSenseLab.project(dir, fw);
        PfSenseLab.write(cli, "package.yml", "- hosts: firewalls\n  tasks:\n    - pfsense_package: {name: pfSense-pkg-frr}\n");
        assertEquals(0, run(cli, "package.yml").exitCode());

        // the GUI's pages, saved: the fixture's sections with the lab's addresses, and what edge does not manage
        Map<String, Object> gui = guiConfig(fw);
        guiSave(fw, gui, "admin@192.168.4.100 (Local Database): /pkg_edit.php made unknown change");
        String before = fw.readConfigXml();
        int writes = fw.writeConfigCount();

        List<String> nodes = fw.nodeIps();
        StringBuilder neighbors = new StringBuilder();
        String[] names = {"k8smaster1", "k8snode1", "k8snode2"};
        for (int i = 0; i < nodes.size(); i++) {
            neighbors.append("                      - {address: ").append(nodes.get(i)).append(", remote_as: 64500, description: ")
                    .append(names[i]).append("}\n");
        }
        PfSenseLab.write(cli, "site.yml", SECTIONS_PLAY.formatted(fw.host(), PfSenseLab.MASTER_PASSWORD, neighbors.toString().stripTrailing()));

        // the GUI already matches: ok everywhere, nothing written
        Cli.Result check = run(cli, "site.yml", "--check", "--diff", "--detailed-exitcode");
        assertEquals(ExitCodes.OK, check.exitCode(), check::all);
        Cli.Result same = run(cli, "site.yml", "--detailed-exitcode");
        assertEquals(ExitCodes.OK, same.exitCode(), same::all);
        assertEquals(writes, fw.writeConfigCount(), "nothing written");
        assertEquals(before, fw.readConfigXml());

        // one field differs (the GUI had k8snode1's remote AS wrong; the neighbour with MD5, BFD and update-source, third in
        // the list after k8smaster1 and the upstream peer): exactly that field changes
        php(fw, "config_set_path('installedpackages/frrbgpneighbors/config/2/asnum', '64999'); write_config('admin: typo');");
        Map<String, String> typo = PfSenseLab.flatten(fw.readConfigXml(), p -> p.startsWith("/revision"));
        Cli.Result fix = run(cli, "site.yml", "--diff", "--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, fix.exitCode(), fix::all);
        assertTrue(fix.out().contains("~ frrbgpneighbors[" + nodes.get(1) + "].asnum: 64999 -> 64500"), fix::out);
        Map<String, String> after = PfSenseLab.flatten(fw.readConfigXml(), p -> p.startsWith("/revision"));
        Map<String, String> changed = new TreeMap<>();
        for (String k : after.keySet()) {
            if (!after.get(k).equals(typo.get(k))) {
                changed.put(k, typo.get(k) + " -> " + after.get(k));
            }
        }
        typo.keySet().stream().filter(k -> !after.containsKey(k)).forEach(k -> changed.put(k, "removed"));
        assertEquals(Map.of("/installedpackages[0]/frrbgpneighbors[0]/config[2]/asnum[0]", "64999 -> 64500"), changed,
                "only the field that differed; the upstream neighbour, the node's MD5/BFD/update-source, route maps, prefix"
                        + " lists and the order of the neighbours are untouched");

        // a GUI save of every page afterwards (the same values, as pkg_edit.php writes them), then edge: no drift either way
        gui = guiConfig(fw);
        guiSave(fw, gui, "admin: saved every FRR page again");
        Cli.Result again = run(cli, "site.yml", "--detailed-exitcode");
        assertEquals(ExitCodes.OK, again.exitCode(), "a GUI save does not look like drift to edge\n" + again.all());
    }

    /** config.xml paths -> values, as pfSense's GUI saves them, from the shared fixture with the lab's addresses. */
    static Map<String, Object> guiConfig(FirewallLab fw) throws Exception {
        Path fixture = LabBinaries.projectDir().resolve("../shared/fixtures/pfsense/SYNTHETIC__pfsense-pkg-frr__metallb-gui-style.xml")
                .normalize();
        Element packages = (Element) DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(fixture.toFile())
                .getDocumentElement().getElementsByTagName("installedpackages").item(0);
        Map<String, Object> out = new LinkedHashMap<>();
        List<String> nodes = fw.nodeIps();
        for (String section : List.of("frr", "frrbgp", "frrbgpadvanced")) {
            Map<String, Object> fields = fields(first(packages, section, "config"));
            fields.replace("routerid", fw.host());
            if (section.equals("frr")) {
                fields.put("password", PfSenseLab.MASTER_PASSWORD);
            }
            out.put("installedpackages/" + section + "/config/0", fields);
        }
        List<Object> neighbors = new ArrayList<>();
        Element n = (Element) packages.getElementsByTagName("frrbgpneighbors").item(0);
        int i = 0;
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e && e.getTagName().equals("config")) {
                Map<String, Object> fields = fields(e);
                fields.put("peer", nodes.get(i % nodes.size()));
                if (i == 1) { // a node's neighbour with options edge does not manage
                    fields.put("password", "Node1-md5-secret");
                    fields.put("password_type", "both");
                    fields.put("bfdenable", "on");
                    fields.put("updatesource", "lan");
                }
                neighbors.add(fields);
                i++;
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> upstream = new LinkedHashMap<>((Map<String, Object>) neighbors.get(0));
        upstream.put("peer", "127.0.0.99");
        upstream.put("descr", "upstream ISP");
        upstream.put("asnum", "65010");
        upstream.put("routemap_in", "UPSTREAM-IN");
        neighbors.add(1, upstream); // between the nodes: its place must survive too
        out.put("installedpackages/frrbgpneighbors/config", neighbors);
        out.put("installedpackages/frrglobalroutemaps/config", List.of(Map.of("name", "UPSTREAM-IN", "action", "permit", "seq", "10")));
        out.put("installedpackages/frrglobalprefixes/config", List.of(Map.of("name", "LB-POOL", "ipv6", "",
                "entries", Map.of("item", List.of(Map.of("seq", "5", "action", "permit", "source", "192.168.32.0/24"))))));
        out.put("installedpackages/frrglobalraw/config/0", Map.of("frr", "", "bgpd", "", "ospfd", "", "ospf6d", ""));
        return out;
    }

    /** What pkg_edit.php's Save does: the values into config.xml, one write_config(), FRR regenerated. */
    static void guiSave(FirewallLab fw, Map<String, Object> config, String description) {
        String json = Base64.getEncoder().encodeToString(Json.compact(config).getBytes(StandardCharsets.UTF_8));
        php(fw, "foreach (json_decode(base64_decode('" + json + "'), true) as $p => $v) { config_set_path($p, $v); }\n"
                + "write_config(base64_decode('" + Base64.getEncoder().encodeToString(description.getBytes(StandardCharsets.UTF_8))
                + "'));\nrequire_once('/usr/local/pkg/frr.inc');\nfrr_generate_config();");
    }

    private static Element first(Element parent, String... path) {
        Element e = parent;
        for (String p : path) {
            e = (Element) e.getElementsByTagName(p).item(0);
        }
        return e;
    }

    /** A config element's fields: text values, and rows (<row>) as lists of maps. */
    private static Map<String, Object> fields(Element config) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Node c = config.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (!(c instanceof Element e)) {
                continue;
            }
            boolean nested = false;
            for (Node g = e.getFirstChild(); g != null; g = g.getNextSibling()) {
                nested |= g instanceof Element;
            }
            if (nested) {
                @SuppressWarnings("unchecked")
                List<Object> rows = (List<Object>) m.computeIfAbsent(e.getTagName(), k -> new ArrayList<>());
                rows.add(fields(e));
            } else {
                m.put(e.getTagName(), e.getTextContent());
            }
        }
        return m;
    }
}
