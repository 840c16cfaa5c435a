package edge.modules.pfsense;

import static edge.modules.pfsense.PfSenseLab.acceptedLogins;
import static edge.modules.pfsense.PfSenseLab.host;
import static edge.modules.pfsense.PfSenseLab.inventory;
import static edge.modules.pfsense.PfSenseLab.php;
import static edge.modules.pfsense.PfSenseLab.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.cli.Cli;
import edge.cli.ExitCodes;
import edge.testlab.pfsense.FirewallLab;
import edge.testlab.pfsense.WithFirewallLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs pfSense's FRR package would mishandle, through edge's CLI against the firewall lab (real
 * sshd, the package's generator emulated in real PHP the way pfSense-pkg-frr 2.0.x behaves):
 * values that would inject frr.conf lines, zeros the generator drops, an option FRR no longer knows,
 * an update source it ignores, a registration that fails while rc.packages exits 0, and connection
 * variables of the wrong type. Bad input is refused before anything is contacted (exit 3); a value
 * known only at run time fails its task before anything is written.
 */
@WithFirewallLab
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PfSenseInputLabTest {
    private static final String INJECTED_NEIGHBOUR = "neighbor 10.9.9.9 remote-as 1";

    @TempDir
    static Path dir;
    static Cli cli;

    @BeforeAll
    static void project(FirewallLab fw) {
        cli = PfSenseLab.project(dir, fw);
    }

    private static Cli.Result play(String name, String tasks, String... extra) {
        PfSenseLab.write(cli, name, "- hosts: firewalls\n  tasks:\n" + tasks.stripIndent().indent(4));
        return run(cli, name, extra);
    }

    /** Runs a playbook that must be refused before contact: exit 3, the message, no SSH login, config.xml as it was. */
    private static Cli.Result refused(FirewallLab fw, String name, String tasks, String... expected) throws IOException {
        String xml = fw.readConfigXml();
        long logins = acceptedLogins(fw);
        Cli.Result r = play(name, tasks);
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r::all);
        for (String e : expected) {
            assertTrue(r.err().contains(e), () -> "expected '" + e + "' in\n" + r.all());
        }
        assertTrue(r.err().contains("nothing was contacted or changed"), r::all);
        assertFalse(r.all().contains("Exception") || r.all().contains("\tat "), () -> "no stack trace: " + r.all());
        assertEquals(logins, acceptedLogins(fw), "nothing contacted");
        assertEquals(xml, fw.readConfigXml(), "nothing changed");
        return r;
    }

    @Test
    @Order(1)
    void aNeighbourDescriptionWithANewlineIsRefusedBeforeContact(FirewallLab fw) throws Exception {
        String node = fw.nodeIps().get(0);
        Cli.Result literal = refused(fw, "descr.yml", """
                - pfsense_frr_bgp_neighbors:
                    neighbors:
                      - {address: %s, remote_as: 64500, description: "line1\\n%s"}
                """.formatted(node, INJECTED_NEIGHBOUR),
                "descr.yml:", "description: contains a line break (a newline or a carriage return), which pfSense's FRR"
                        + " package would write into frr.conf as a separate configuration line; remove it");
        assertFalse(literal.err().contains("regex"), literal::err);
        // from a variable: the exact character is named
        PfSenseLab.write(cli, "inventory/group_vars/firewalls.yml", "node_name: \"line1\\n" + INJECTED_NEIGHBOUR + "\"\n");
        try {
            refused(fw, "descr-var.yml", """
                    - pfsense_frr_bgp_neighbors:
                        neighbors:
                          - {address: %s, remote_as: 64500, description: "{{ node_name }}"}
                    """.formatted(node),
                    "neighbors[0].description: contains a newline, which pfSense's FRR package would write into frr.conf"
                            + " as a separate configuration line; remove it (its value after templating for fw1)");
        } finally {
            Files.delete(dir.resolve("inventory/group_vars/firewalls.yml"));
        }
    }

    @Test
    @Order(2)
    void aMasterPasswordThatWouldOpenTheVtyIsRefusedAndNeverShown(FirewallLab fw) throws Exception {
        String injected = "pw\nline vty\n no login";
        Files.writeString(dir.resolve("master-password"), injected + "\n");
        Cli.Result r = refused(fw, "vty.yml", """
                - pfsense_frr_global:
                    master_password: "{{ lookup('file', 'master-password') }}"
                """, "master_password: contains a newline, which pfSense's FRR package would write into frr.conf as a"
                + " separate configuration line; remove it");
        assertFalse(r.all().contains("no login"), "the secret is not shown: " + r.all());
        refused(fw, "vty-literal.yml", """
                - pfsense_frr_global:
                    master_password: "pw\\nline vty\\n no login"
                """, "master_password: contains a line break");
        refused(fw, "tab.yml", """
                - pfsense_frr_global:
                    master_password: "pw\\tx"
                """, "master_password: contains a control character (such as a tab or an escape)");
        refused(fw, "space.yml", """
                - pfsense_frr_global:
                    master_password: "pw x"
                """, "master_password: contains a space: FRR reads the master password as one word");
    }

    @Test
    @Order(3)
    void neighbourPasswordsAndUpdateSourcesAreCheckedToo(FirewallLab fw) throws Exception {
        String node = fw.nodeIps().get(0);
        refused(fw, "nbr-pw.yml", """
                - pfsense_frr_bgp_neighbors:
                    neighbors:
                      - {address: %s, password: "a\\r\\n%s", password_type: frr}
                """.formatted(node, INJECTED_NEIGHBOUR), "password: contains a line break");
        refused(fw, "nbr-pw-quote.yml", """
                - pfsense_frr_bgp_neighbors:
                    neighbors:
                      - {address: %s, password: 'pw"x', password_type: setkey}
                """.formatted(node), "password: contains a quote: pfSense's FRR package writes the password between double"
                + " quotes into the setkey file");
        refused(fw, "nbr-src-ip.yml", """
                - pfsense_frr_bgp_neighbors:
                    neighbors:
                      - {address: %s, update_source: 10.0.0.5}
                """.formatted(node), "neighbors[0].update_source: '10.0.0.5' is an IP address, which pfSense's FRR package"
                + " does not take", "the session would use the default source; give the interface or the VIP");
        refused(fw, "nbr-src-word.yml", """
                - pfsense_frr_bgp_neighbors:
                    neighbors:
                      - {address: %s, update_source: "LAN interface"}
                """.formatted(node), "neighbors[0].update_source: 'LAN interface' is not a source pfSense's FRR package uses");
        PfSenseLab.write(cli, "nbr-ok.yml", """
                - hosts: firewalls
                  tasks:
                    - pfsense_frr_bgp_neighbors:
                        neighbors:
                          - {address: %s, update_source: lan, description: "k8s & <node>"}
                          - {address: %s, update_source: "_vip5f3c2a1b0d9e8|192.168.4.5"}
                """.formatted(node, fw.nodeIps().get(1)));
        Cli.Result ok = cli.run("validate", "-i", dir.resolve("inventory").toString(), dir.resolve("nbr-ok.yml").toString());
        assertEquals(ExitCodes.OK, ok.exitCode(), ok::all);
    }

    @Test
    @Order(4)
    void aValueKnownOnlyAtRunTimeFailsItsTaskBeforeAnythingIsWritten(FirewallLab fw) throws Exception {
        int writes = fw.writeConfigCount();
        String xml = fw.readConfigXml();
        Cli.Result r = play("runtime.yml", """
                - set_fact:
                    node_name: "line1\\n%s"
                - pfsense_frr_bgp_neighbors:
                    neighbors:
                      - {address: %s, remote_as: 64500, description: "{{ node_name }}"}
                """.formatted(INJECTED_NEIGHBOUR, fw.nodeIps().get(0)));
        assertEquals(ExitCodes.HOST_FAILED, r.exitCode(), r::all);
        assertTrue(r.out().contains("description: contains a line break (a newline or a carriage return), which pfSense's"
                + " FRR package would write into frr.conf as a separate configuration line; remove it"), r::out);
        assertEquals(writes, fw.writeConfigCount(), "nothing written");
        assertEquals(xml, fw.readConfigXml());

        Cli.Result quote = play("runtime-quote.yml", """
                - set_fact: {quoted_password: "it's-a-pw"}
                - pfsense_frr_global: {master_password: "{{ quoted_password }}"}
                """);
        assertEquals(ExitCodes.HOST_FAILED, quote.exitCode(), quote::all);
        assertTrue(quote.out().contains("master_password: contains a single quote ('), which pfSense's FRR package does not"
                + " allow in the master password"), quote::out);
        assertFalse(quote.all().contains("regex"), quote::all);
        assertFalse(quote.all().contains("it's-a-pw"), "the secret is not shown");
        assertEquals(writes, fw.writeConfigCount(), "nothing written");
    }

    @Test
    @Order(5)
    void zerosThePackageWouldDropAndEnforceFirstAsAreRefused(FirewallLab fw) throws Exception {
        refused(fw, "holdtime.yml", """
                - pfsense_frr_bgp: {asn: 64501, keepalive: 10, holdtime: 0}
                """, "holdtime: 0 is dropped by pfSense's FRR package: its generator treats \"0\" as unset and writes no"
                + " 'timers bgp' line, so FRR keeps its default timers");
        refused(fw, "localpref.yml", """
                - pfsense_frr_bgp_advanced: {default_local_preference: 0}
                """, "default_local_preference: 0 is dropped by pfSense's FRR package", "'bgp default local-preference'");
        refused(fw, "enforce.yml", """
                - pfsense_frr_bgp_advanced: {enforce_first_as: true}
                """, "enforce_first_as: true makes pfSense's FRR package write 'bgp enforce-first-as', a global command FRR"
                + " removed");
    }

    @Test
    @Order(6)
    void theLabGeneratorDropsZerosAsTheRealOneDoes(FirewallLab fw) throws Exception {
        Cli.Result install = play("install.yml", """
                - pfsense_package: {name: pfSense-pkg-frr}
                - pfsense_frr_global: {enable: true, router_id: %s, master_password: lab-pw}
                - pfsense_frr_bgp: {enable: true, asn: 64501, keepalive: 10, holdtime: 30}
                - pfsense_frr_bgp_advanced: {disable_ebgp_require_policy: true, default_local_preference: 200}
                """.formatted(fw.host()));
        assertEquals(ExitCodes.OK, install.exitCode(), install::all);
        assertTrue(fw.frrConf().contains(" timers bgp 10 30\n"), fw.frrConf());
        assertTrue(fw.frrConf().contains(" bgp default local-preference 200\n"), fw.frrConf());
        // what the GUI (or an older edge) could store: pfSense-pkg-frr then writes neither line
        php(fw, """
                config_set_path('installedpackages/frrbgp/config/0/timers_holdtime', '0');
                config_set_path('installedpackages/frrbgpadvanced/config/0/default_localpref', '0');
                write_config("lab: zeros");
                require_once("/usr/local/pkg/frr.inc");
                frr_generate_config();
                """);
        String conf = fw.frrConf();
        assertFalse(conf.contains("timers bgp"), conf);
        assertFalse(conf.contains("local-preference"), conf);
    }

    @Test
    @Order(7)
    void aRegistrationThatFailsIsReportedAlthoughRcPackagesExitsZero(FirewallLab fw) throws Exception {
        // the package's files are incomplete (its GUI definition is missing) and its config.xml entry is gone
        php(fw, """
                $p = config_get_path('installedpackages/package', array());
                foreach ($p as $i => $x) { if (($x['internal_name'] ?? '') == 'frr') { unset($p[$i]); } }
                config_set_path('installedpackages/package', array_values($p));
                write_config("admin: package entry lost");
                """);
        assertTrue(fw.ssh("mv /usr/local/pkg/frr.xml /usr/local/pkg/frr.xml.away").ok());
        Cli.Result r;
        try {
            r = play("register.yml", """
                    - pfsense_package: {name: pfSense-pkg-frr, timeout: 20}
                    """, "-v");
        } finally {
            assertTrue(fw.ssh("mv /usr/local/pkg/frr.xml.away /usr/local/pkg/frr.xml").ok());
        }
        assertEquals(ExitCodes.HOST_FAILED, r.exitCode(), r::all);
        assertTrue(r.out().contains("registering pfSense-pkg-frr (/etc/rc.packages pfSense-pkg-frr POST-INSTALL) left no entry"
                + " for it in config.xml (installedpackages/package): pfSense's install_package_xml() failed"), r::out);
        assertTrue(r.out().contains("Loading package configuration... failed!"), () -> "what pfSense printed: " + r.out());
        assertFalse(fw.readConfigXml().contains("<internal_name>frr</internal_name>"));
        assertTrue(fw.pkgInstalled("pfSense-pkg-frr"), "pfSense 2.7's clean-up drops the entry, not the pkg");

        Cli.Result again = play("register.yml", """
                - pfsense_package: {name: pfSense-pkg-frr, timeout: 20}
                """);
        assertEquals(ExitCodes.OK, again.exitCode(), again::all);
        assertTrue(fw.readConfigXml().contains("<internal_name>frr</internal_name>"));
        assertTrue(fw.pkgInstalled("pfSense-pkg-frr"));
    }

    @Test
    @Order(8)
    void theLabsRcPackagesExitsZeroWhenRegistrationFailsAsPfSensesDoes(FirewallLab fw) throws Exception {
        assertTrue(fw.ssh("mv /usr/local/pkg/frr.xml /usr/local/pkg/frr.xml.away").ok());
        FirewallLab.ExecResult hook;
        try {
            hook = fw.ssh("/usr/local/bin/php -f /etc/rc.packages pfSense-pkg-frr POST-INSTALL; echo rc=$?");
        } finally {
            assertTrue(fw.ssh("mv /usr/local/pkg/frr.xml.away /usr/local/pkg/frr.xml").ok());
        }
        assertTrue(hook.stdout().contains("Loading package configuration... failed!"), hook::toString);
        assertTrue(hook.stdout().contains("Failed to install package."), hook::toString);
        assertTrue(hook.stdout().strip().endsWith("rc=0"), hook::toString);
        // pfSense's clean-up dropped the entry: register it again for the next test
        Cli.Result again = play("register.yml", """
                - pfsense_package: {name: pfSense-pkg-frr, timeout: 20}
                """);
        assertEquals(ExitCodes.OK, again.exitCode(), again::all);
    }

    @Test
    @Order(9)
    void connectionVariablesAreTypedAtValidateTime(FirewallLab fw) throws Exception {
        Cli other = new Cli(dir.resolve("conn"));
        String inventory = inventory(host(fw, "fw1").replace("ansible_port: " + fw.sshPort(), "ansible_port: twenty-two"));
        PfSenseLab.write(other, "inventory/hosts.yml", inventory);
        PfSenseLab.write(other, "inventory/group_vars/firewalls.yml", "edge_host_key_checking: maybe\n");
        PfSenseLab.write(other, "pkg.yml", """
                - hosts: firewalls
                  tasks:
                    - pfsense_package: {name: pfSense-pkg-frr}
                    - pfsense_frr_bgp: {asn: 64501}
                """);
        long logins = acceptedLogins(fw);
        int line = inventory.lines().toList().indexOf("          ansible_port: twenty-two") + 1;
        for (String command : new String[] {"validate", "run"}) {
            Cli.Result r = other.run(command, "-i", other.dir().resolve("inventory").toString(), other.dir().resolve("pkg.yml").toString());
            assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r::all);
            assertTrue(r.err().contains("hosts.yml:" + line + ":11: ansible_port: host fw1: 'twenty-two': expected a port number"
                    + " 1..65535"), r::err);
            assertTrue(r.err().contains("group_vars/firewalls.yml:1:1: edge_host_key_checking: host fw1: 'maybe': expected yes,"
                    + " accept-new or no"), r::err);
            assertEquals(2, r.err().lines().filter(l -> l.startsWith("ERROR:")).count(), "each problem once: " + r.err());
        }
        assertEquals(logins, acceptedLogins(fw), "nothing contacted");
    }
}
