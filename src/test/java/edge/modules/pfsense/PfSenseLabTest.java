package edge.modules.pfsense;

import static edge.modules.pfsense.PfSenseLab.MASTER_PASSWORD;
import static edge.modules.pfsense.PfSenseLab.acceptedLogins;
import static edge.modules.pfsense.PfSenseLab.flatten;
import static edge.modules.pfsense.PfSenseLab.host;
import static edge.modules.pfsense.PfSenseLab.inventory;
import static edge.modules.pfsense.PfSenseLab.php;
import static edge.modules.pfsense.PfSenseLab.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import edge.cli.Cli;
import edge.cli.ExitCodes;
import edge.testlab.pfsense.FirewallLab;
import edge.testlab.pfsense.WithFirewallLab;
import edge.transport.ssh.SshConnection;
import edge.transport.ssh.SshStats;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance tests of the pfSense half against the firewall lab (real sshd, pfSense's config API
 * emulated in real PHP, real FRR bgpd and three MetalLB-like speakers), through edge's CLI with an
 * inventory and playbook written here. One lab for the class; the tests build on each other, in order.
 */
@WithFirewallLab
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PfSenseLabTest {
    private static final Duration BGP = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static Cli cli;
    /** config.xml as the package install left it, before edge's own write. */
    static String postInstall;

    @BeforeAll
    static void project(FirewallLab fw) {
        cli = PfSenseLab.project(dir, fw);
        PfSenseLab.write(cli, "site.yml", PfSenseLab.site(fw));
    }

    private static String revision(String xml) {
        Matcher m = Pattern.compile("<revision>\\s*<time>(\\d+)</time>\\s*<description><!\\[CDATA\\[([^\\]]*)").matcher(xml);
        assertTrue(m.find(), "config.xml has a revision");
        return m.group(1) + " " + m.group(2);
    }

    private static void assertRecap(Cli.Result r, String host, int changed, int failed) {
        assertTrue(r.out().matches("(?s).*\\n" + host + "\\s+: ok=\\d+\\s+changed=" + changed + "\\s+unreachable=0\\s+failed=" + failed + ".*"),
                () -> "expected " + host + " changed=" + changed + " failed=" + failed + "\n" + r.all());
    }

    private static void assertPoolArrived(FirewallLab fw) {
        JsonNode routes = fw.vtyshJson("show bgp ipv4 unicast community no-advertise json").path("routes");
        for (String prefix : fw.prefixes()) {
            assertTrue(routes.has(prefix), () -> prefix + " with no-advertise: " + routes);
            assertEquals(fw.nodeIps().size(), routes.path(prefix).size(), "one path per speaker (ECMP): " + routes);
        }
        JsonNode detail = fw.vtyshJson("show bgp ipv4 unicast " + fw.prefixes().get(0) + " json");
        assertEquals("no-advertise", detail.path("paths").path(0).path("community").path("string").asText(), detail.toString());
    }

    @Test
    @Order(1)
    void oneRunFromAFirewallWithoutFrrInstallsConfiguresAndPeers(FirewallLab fw) throws Exception {
        assertFalse(fw.pkgInstalled("pfSense-pkg-frr"));
        assertFalse(fw.readConfigXml().contains("<frrbgp>"));
        int backupsBefore = fw.backupCount();

        Cli.Result r = run(cli, "site.yml");
        assertEquals(0, r.exitCode(), r::all);
        // five tasks plus the commit, on its own line before the verification that needs it
        assertRecap(r, "fw1", 6, 0);
        assertTrue(r.out().indexOf("TASK [commit: pfSense FRR configuration]") < r.out().indexOf("TASK [sessions up"), r::out);
        assertTrue(fw.pkgInstalled("pfSense-pkg-frr"));

        String xml = fw.readConfigXml();
        assertTrue(revision(xml).contains("(system): edge: frr (enable, routerid, password); frrbgp (enable, asnum, routerid);"
                + " frrbgpadvanced (disableebgprequirepolicy); neighbors added "), revision(xml));
        String conf = fw.frrConf();
        assertNotNull(conf, "frr.conf generated");
        assertTrue(conf.contains("router bgp 64501"), conf);
        assertTrue(conf.contains(" no bgp ebgp-requires-policy"), conf);
        assertTrue(conf.contains("password " + MASTER_PASSWORD), "the generator got the decoded password");
        for (String ip : fw.nodeIps()) {
            assertTrue(conf.contains(" neighbor " + ip + " remote-as " + fw.nodeAs()), conf);
        }
        assertTrue(conf.contains(" neighbor " + fw.nodeIps().get(0) + " description k8smaster1 & <api>"), conf);
        // the install wrote config.xml three times; edge wrote it once and regenerated FRR once
        List<String> writes = fw.events("write_config");
        assertEquals(4, writes.size(), writes::toString);
        assertTrue(writes.get(3).contains("edge: "), writes::toString);
        assertEquals(2, fw.generateCount(), "the install's resync and edge's one regeneration");
        assertTrue(fw.backupCount() > backupsBefore);

        assertTrue(fw.awaitEstablished(3, BGP), () -> "3 sessions Established with prefixes: " + fw.vtysh("show bgp summary"));
        assertPoolArrived(fw);
        assertTrue(r.out().contains("\"verified\":true") || r.out().contains("ok: [fw1]"), r::out);

        // everything outside what edge manages is as the package install left it
        postInstall = Files.readString(fw.backups().get(fw.backupCount() - 1));
        assertTrue(postInstall.contains("<internal_name>frr</internal_name>"), "newest backup = state before edge's write");
        var managed = java.util.regex.Pattern.compile(
                "/revision.*|/installedpackages\\[0\\]/(frr|frrbgp|frrbgpadvanced|frrbgpneighbors)\\[0\\].*");
        assertEquals(flatten(postInstall, p -> managed.matcher(p).matches()), flatten(xml, p -> managed.matcher(p).matches()));
    }

    @Test
    @Order(2)
    void secondRunChangesNothingWritesNothingAndUsesOneSessionTwoCommands(FirewallLab fw) throws Exception {
        String xml = fw.readConfigXml();
        int backups = fw.backupCount();
        int writes = fw.writeConfigCount();
        int generates = fw.generateCount();
        List<String> services = fw.frrServiceActions();

        SshStats before = SshConnection.totals();
        long start = System.nanoTime();
        Cli.Result r = run(cli, "site.yml", "--detailed-exitcode");
        long ms = (System.nanoTime() - start) / 1_000_000;
        SshStats used = SshConnection.totals().minus(before);

        assertEquals(ExitCodes.OK, r.exitCode(), r::all);
        assertRecap(r, "fw1", 0, 0);
        assertFalse(r.out().contains("changed:"), r::out);
        assertEquals(xml, fw.readConfigXml(), "same config.xml, same revision");
        assertEquals(backups, fw.backupCount(), "no new backup");
        assertEquals(writes, fw.writeConfigCount(), "no write_config()");
        assertEquals(generates, fw.generateCount(), "no regeneration");
        assertEquals(services, fw.frrServiceActions(), "FRR not reloaded or restarted");
        assertEquals(1, used.sessionsOpened(), used::toString);
        assertTrue(used.commandsRun() <= 2, used::toString);
        System.out.println("pfSense no-op run (in-process CLI, 6 tasks, lab firewall): " + used + ", " + ms + " ms");
    }

    @Test
    @Order(3)
    void checkModeReportsDriftChangesNothingAndMasksTheMasterPassword(FirewallLab fw) throws Exception {
        php(fw, """
                config_set_path('installedpackages/frr/config/0/password', 'GUI-typed-secret');
                config_set_path('installedpackages/frrbgpadvanced/config/0/disableebgprequirepolicy', '');
                write_config("admin: drift");
                """);
        String drifted = fw.readConfigXml();
        int writes = fw.writeConfigCount();
        int generates = fw.generateCount();

        Cli.Result check = run(cli, "site.yml", "--check", "--diff", "--detailed-exitcode", "-vvv");
        assertEquals(ExitCodes.CHANGED, check.exitCode(), check::all);
        assertTrue(check.out().contains("~ frr.password: ******** (changed)"), check::out);
        assertTrue(check.out().contains("~ frrbgpadvanced.disableebgprequirepolicy: \"\" -> on"), check::out);
        assertTrue(check.out().matches("(?s).*skipping: \\[[^]]+\\] \\(not verified in check mode: [^\n]*; now: .*"), check::out);
        assertFalse(check.all().contains(MASTER_PASSWORD), "the master password never appears");
        assertFalse(check.all().contains("GUI-typed-secret"), "nor the one on the firewall");
        assertEquals(drifted, fw.readConfigXml(), "--check changes nothing");
        assertEquals(writes, fw.writeConfigCount());
        assertEquals(generates, fw.generateCount());

        Cli.Result fix = run(cli, "site.yml", "--diff", "-v");
        assertEquals(0, fix.exitCode(), fix::all);
        assertFalse(fix.all().contains(MASTER_PASSWORD) || fix.all().contains("GUI-typed-secret"), fix::all);
        String xml = fw.readConfigXml();
        assertTrue(xml.contains("<password><![CDATA[Fw-master&amp;pw&lt;42&gt;]]></password>"), "stored the pfSense way");
        assertTrue(xml.contains("<disableebgprequirepolicy>on</disableebgprequirepolicy>"));
        assertEquals(writes + 1, fw.writeConfigCount(), "one write for both fixes");
        assertEquals(generates + 1, fw.generateCount(), "one regeneration for both fixes");
    }

    @Test
    @Order(4)
    void driftIsPutBackAndUnmanagedFieldsSurvive(FirewallLab fw) throws Exception {
        List<String> n = fw.nodeIps();
        assertTrue(fw.awaitEstablished(3, BGP));
        // things edge does not manage, next to what it does: they must survive the repair
        php(fw, """
                config_set_path('installedpackages/frrbgp/config/0/redistributeconnected', 'no');
                config_set_path('installedpackages/frrbgp/config/0/edge_test_unknown', 'kept');
                $list = config_get_path('installedpackages/frrbgpneighbors/config');
                $list[0]['bfdenable'] = 'on';
                $list[0]['weight'] = '7';
                $list[] = array('peer' => 'metallb', 'descr' => 'a peer group edge does not manage');
                config_set_path('installedpackages/frrbgpneighbors/config', $list);
                config_set_path('installedpackages/haproxy/config/0/enable', 'on');
                write_config("admin: unmanaged settings");
                """);
        String reference = fw.readConfigXml();
        // drift: a neighbor deleted, a remote AS changed, the eBGP policy box cleared, the router id
        // changed, a stray neighbor added
        php(fw, """
                $list = config_get_path('installedpackages/frrbgpneighbors/config');
                foreach ($list as $i => $x) {
                    if ($x['peer'] == '%1$s') { unset($list[$i]); }
                    if ($x['peer'] == '%2$s') { $list[$i]['asnum'] = '64999'; }
                }
                $list[] = array('peer' => '%3$s', 'asnum' => '65001', 'descr' => 'stray', 'password' => 'stray-md5', 'password_type' => 'frr');
                config_set_path('installedpackages/frrbgpneighbors/config', array_values($list));
                config_set_path('installedpackages/frrbgpadvanced/config/0/disableebgprequirepolicy', '');
                config_set_path('installedpackages/frrbgp/config/0/routerid', '10.9.9.9');
                write_config("admin: drift");
                require_once("/usr/local/pkg/frr.inc");
                frr_generate_config();
                """.formatted(n.get(1), n.get(2), fw.spareNodeIp()));

        Cli.Result r = run(cli, "site.yml", "--diff", "--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, r.exitCode(), r::all);
        String out = r.out();
        assertTrue(out.contains("+ frrbgpneighbors[" + n.get(1) + "]"), out);
        assertTrue(out.contains("~ frrbgpneighbors[" + n.get(2) + "].asnum: 64999 -> " + fw.nodeAs()), out);
        assertTrue(out.contains("- frrbgpneighbors[" + fw.spareNodeIp() + "]"), out);
        assertFalse(out.contains("stray-md5"), "a removed neighbor's password is masked");
        assertTrue(out.contains("~ frrbgpadvanced.disableebgprequirepolicy: \"\" -> on"), out);
        assertTrue(out.contains("~ frrbgp.routerid: 10.9.9.9 -> " + fw.host()), out);
        assertTrue(fw.awaitEstablished(3, BGP), () -> fw.vtysh("show bgp summary").toString());
        assertPoolArrived(fw);

        String xml = fw.readConfigXml();
        assertFalse(xml.contains("<peer>" + fw.spareNodeIp() + "</peer>"), "the stray neighbor is gone");
        assertTrue(xml.contains("<peer>metallb</peer>"), "peer groups are not removed by exclusive");
        assertTrue(xml.contains("<edge_test_unknown>kept</edge_test_unknown>") && xml.contains("<weight>7</weight>")
                && xml.contains("<bfdenable>on</bfdenable>") && xml.contains("<haproxy>"), "unmanaged fields kept");
        // compared with the reference, only the repaired neighbor moved to the end of the list
        var ignored = Pattern.compile("/revision.*|/installedpackages\\[0\\]/frrbgpneighbors\\[0\\].*");
        assertEquals(flatten(reference, p -> ignored.matcher(p).matches()), flatten(xml, p -> ignored.matcher(p).matches()));
        Map<String, String> neighbors = flatten(xml, p -> !p.startsWith("/installedpackages[0]/frrbgpneighbors[0]"));
        assertEquals(4, neighbors.keySet().stream().filter(p -> p.endsWith("/peer[0]")).count(), neighbors::toString);

        Cli.Result again = run(cli, "site.yml", "--detailed-exitcode");
        assertEquals(ExitCodes.OK, again.exitCode(), again::all);
        assertEquals(xml, fw.readConfigXml());
    }

    @Test
    @Order(5)
    void aConcurrentGuiSaveAbortsTheCommitWithoutWriting(FirewallLab fw) throws Exception {
        // the play stops at a wait_for until the test has saved FRR settings "in the GUI"
        ServerSocket gate = new ServerSocket();
        try {
            gate.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            PfSenseLab.write(cli, "race.yml", """
                    - hosts: firewalls
                      tasks:
                        - pfsense_frr_bgp:
                            asn: 64501
                            keepalive: 10
                            holdtime: 30
                        - wait_for: {host: 127.0.0.1, port: %d, state: stopped, timeout: 60, sleep: 0.2}
                    """.formatted(gate.getLocalPort()));
            CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> run(cli, "race.yml"));
            gate.setSoTimeout(60_000);
            gate.accept().close(); // wait_for's first probe: edge has read config.xml and staged its change
            php(fw, """
                    config_set_path('installedpackages/frrbgp/config/0/timers_keepalive', '20');
                    write_config("admin: FRR BGP saved in the GUI");
                    """);
            int writes = fw.writeConfigCount();
            gate.close();
            Cli.Result r = running.get(120, TimeUnit.SECONDS);
            assertEquals(ExitCodes.HOST_FAILED, r.exitCode(), r::all);
            assertTrue(r.out().contains("config.xml changed concurrently") && r.out().contains("frrbgp.timers_keepalive"), r::out);
            assertEquals(writes, fw.writeConfigCount(), "nothing written");
            assertTrue(fw.readConfigXml().contains("<timers_keepalive>20</timers_keepalive>"));
        } finally {
            gate.close();
        }
        // a re-run sees the GUI's value and converges
        PfSenseLab.write(cli, "timers.yml", """
                - hosts: firewalls
                  tasks:
                    - pfsense_frr_bgp: {asn: 64501, keepalive: 10, holdtime: 30}
                """);
        Cli.Result fix = run(cli, "timers.yml", "--diff");
        assertEquals(0, fix.exitCode(), fix::all);
        assertTrue(fix.out().contains("~ frrbgp.timers_keepalive: 20 -> 10"), fix::out);
        assertTrue(fw.frrConf().contains(" timers bgp 10 30"), fw.frrConf());
    }

    @Test
    @Order(6)
    void rawConfigOverridesAreRefused(FirewallLab fw) throws Exception {
        php(fw, """
                config_set_path('installedpackages/frrglobalraw/config/0/bgpd', base64_encode("router bgp 64501\\n"));
                config_set_path('installedpackages/frrbgp/config/0/asnum', '64777');
                write_config("admin: raw bgpd config");
                """);
        int writes = fw.writeConfigCount();
        Cli.Result r = run(cli, "site.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exitCode(), r::all);
        assertTrue(r.out().contains("FRR raw configuration is set on this firewall (installedpackages/frrglobalraw: bgpd)"), r::out);
        assertEquals(writes, fw.writeConfigCount());
        php(fw, """
                config_del_path('installedpackages/frrglobalraw');
                write_config("admin: raw config cleared");
                """);
        Cli.Result fix = run(cli, "site.yml");
        assertEquals(0, fix.exitCode(), fix::all);
        assertTrue(fw.readConfigXml().contains("<asnum>64501</asnum>"));
    }

    @Test
    @Order(7)
    void connectionCutMidApplyLeavesOldOrNewConfigNeverPartial(FirewallLab fw) throws Exception {
        assertTrue(fw.awaitEstablished(3, BGP));
        php(fw, """
                config_set_path('installedpackages/frrbgp/config/0/routerid', '10.8.8.8');
                write_config("admin: drift before the cut");
                """);
        String old = fw.readConfigXml();
        fw.setWriteConfigDelay(Duration.ofSeconds(20));
        try {
            CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> run(cli, "site.yml"));
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (fw.configTempFiles().isEmpty() && System.nanoTime() < end && !running.isDone()) {
                Thread.sleep(50);
            }
            assertFalse(fw.configTempFiles().isEmpty(), "write_config() reached its rename");
            fw.cutConnections(true);
            Cli.Result r = running.get(120, TimeUnit.SECONDS);
            assertNotEquals(0, r.exitCode(), r::all);
            assertTrue(r.out().contains("was lost while running"), r::out);
        } finally {
            fw.clearHooks();
        }
        String after = fw.readConfigXml();
        PfSenseLab.assertValidXml(after);
        assertEquals(old, after, "the cut write never renamed: config.xml is the old one, whole");
        Cli.Result again = run(cli, "site.yml", "--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, again.exitCode(), again::all);
        assertTrue(fw.readConfigXml().contains("<routerid>" + fw.host() + "</routerid>"));
        assertTrue(fw.awaitEstablished(3, BGP));
    }

    @Test
    @Order(8)
    void anUnreachableFirewallIsUnreachableAndTheOthersCarryOn(FirewallLab fw) throws Exception {
        Cli other = new Cli(dir.resolve("two"));
        PfSenseLab.write(other, "inventory/hosts.yml", inventory(host(fw, "fw1"),
                host(fw, "fw2").replace("ansible_port: " + fw.sshPort(), "ansible_port: " + fw.closedPort())));
        PfSenseLab.write(other, "site.yml", PfSenseLab.site(fw));
        Cli.Result r = run(other, "site.yml");
        assertEquals(ExitCodes.HOST_UNREACHABLE, r.exitCode(), r::all);
        assertTrue(r.out().contains("fatal: [fw2]: UNREACHABLE!"), r::out);
        assertTrue(r.out().matches("(?s).*\\nfw1\\s+: ok=6\\s+changed=0\\s+unreachable=0\\s+failed=0.*"), r::out);
        assertTrue(r.out().matches("(?s).*\\nfw2\\s+: ok=0\\s+changed=0\\s+unreachable=1\\s+failed=0.*"), r::out);
    }

    @Test
    @Order(9)
    void aWrongHostKeyIsRefusedBeforeAuthentication(FirewallLab fw) throws Exception {
        Cli other = new Cli(dir.resolve("wrongkey"));
        PfSenseLab.write(other, "inventory/hosts.yml", inventory(host(fw, "fw1")
                .replace(fw.knownHosts().toString(), fw.wrongKnownHosts().toString())));
        PfSenseLab.write(other, "site.yml", PfSenseLab.site(fw));
        long accepted = acceptedLogins(fw);
        Cli.Result r = run(other, "site.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exitCode(), r::all);
        assertTrue(r.out().contains("host key for [" + fw.host() + "]:" + fw.sshPort() + " changed"), r::out);
        assertEquals(accepted, acceptedLogins(fw), "no authentication happened");
    }

    @Test
    @Order(10)
    void badCredentialsAreAClearError(FirewallLab fw) throws Exception {
        Cli other = new Cli(dir.resolve("badkey"));
        PfSenseLab.write(other, "inventory/hosts.yml", inventory(host(fw, "fw1")
                .replace(fw.privateKey().toString(), fw.unauthorizedKey().toString())));
        PfSenseLab.write(other, "site.yml", PfSenseLab.site(fw));
        Cli.Result r = run(other, "site.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exitCode(), r::all);
        assertTrue(r.out().contains("authentication failed for root@" + fw.host() + ":" + fw.sshPort()), r::out);
        assertTrue(r.out().contains("check ansible_user, that the key is in the firewall's authorized keys"), r::out);
    }

    @Test
    @Order(11)
    void adminWithPasswordAndAPackageInstalledButNotRegistered(FirewallLab fw) throws Exception {
        // pfSense's admin has the console menu (/etc/rc.initial) as shell; edge runs without a PTY
        Cli other = new Cli(dir.resolve("admin"));
        PfSenseLab.write(other, "inventory/hosts.yml", inventory(host(fw, "fw1")
                .replace("ansible_user: " + fw.user(), "ansible_user: " + fw.adminUser())
                .replace("ansible_ssh_private_key_file: " + fw.privateKey(), "ansible_password: \"" + fw.adminPassword() + "\"")));
        PfSenseLab.write(other, "pkg.yml", """
                - hosts: firewalls
                  tasks:
                    - pfsense_package: {name: pfSense-pkg-frr}
                """);
        // pkg has it, config.xml does not (what happens when pfSense skips the post-install registration)
        php(fw, """
                $p = config_get_path('installedpackages/package', array());
                foreach ($p as $i => $x) { if (($x['internal_name'] ?? '') == 'frr') { unset($p[$i]); } }
                config_set_path('installedpackages/package', array_values($p));
                write_config("admin: package entry lost");
                """);
        assertFalse(fw.readConfigXml().contains("<internal_name>frr</internal_name>"));
        Cli.Result r = run(other, "pkg.yml", "--diff", "-v");
        assertEquals(0, r.exitCode(), r::all);
        assertTrue(r.out().contains("~ package pfSense-pkg-frr: installed, not registered in config.xml -> registered"), r::out);
        assertTrue(r.out().contains("ssh: connected to admin@"), r::out);
        assertFalse(r.all().contains(fw.adminPassword()), "the login password is masked");
        assertTrue(fw.readConfigXml().contains("<internal_name>frr</internal_name>"));
        Cli.Result again = run(other, "pkg.yml", "--detailed-exitcode");
        assertEquals(ExitCodes.OK, again.exitCode(), again::all);
    }

    @Test
    @Order(12)
    void aRunKilledBetweenWriteConfigAndRegenerationIsFinishedByTheNextRun(FirewallLab fw) throws Exception {
        assertTrue(fw.awaitEstablished(3, BGP));
        // drift that edge repairs (saved the GUI's way: written and regenerated)
        php(fw, """
                config_set_path('installedpackages/frrbgp/config/0/routerid', '10.7.7.7');
                write_config("admin: router id");
                require_once("/usr/local/pkg/frr.inc");
                frr_generate_config();
                """);
        assertTrue(fw.frrConf().contains(" bgp router-id 10.7.7.7"), fw.frrConf());
        startAfterFrrConfSecond(fw);
        int generates = fw.generateCount();
        int hooksBefore = fw.events("hooks").size();
        fw.setGenerateDelay(Duration.ofSeconds(30));
        try {
            CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> run(cli, "site.yml"));
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (fw.events("hooks").stream().skip(hooksBefore).noneMatch(l -> l.contains("frr_generate_config: sleeping"))
                    && System.nanoTime() < end && !running.isDone()) {
                Thread.sleep(50);
            }
            assertTrue(fw.events("hooks").stream().skip(hooksBefore).anyMatch(l -> l.contains("frr_generate_config: sleeping")),
                    "apply.php reached frr_generate_config()");
            fw.cutConnections(true); // the SSH drop kills apply.php between write_config() and the regeneration
            Cli.Result r = running.get(120, TimeUnit.SECONDS);
            assertNotEquals(0, r.exitCode(), r::all);
        } finally {
            fw.clearHooks();
        }
        String written = fw.readConfigXml();
        assertTrue(revision(written).contains("edge: frrbgp (routerid)"), revision(written));
        assertTrue(written.contains("<routerid>" + fw.host() + "</routerid>"));
        assertEquals(generates, fw.generateCount(), "FRR was not regenerated");
        assertTrue(fw.frrConf().contains(" bgp router-id 10.7.7.7"), "FRR still has the old configuration");

        // config.xml matches the play; what is left to do is the regeneration, and check mode says so
        Cli.Result check = run(cli, "site.yml", "--check", "--diff", "--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, check.exitCode(), check::all);
        assertTrue(check.out().contains("regenerate FRR configuration (the last edge write to config.xml was not applied)"), check::out);
        assertEquals(generates, fw.generateCount());

        int writes = fw.writeConfigCount();
        Cli.Result fix = run(cli, "site.yml", "--diff", "--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, fix.exitCode(), fix::all);
        assertRecap(fix, "fw1", 2, 0); // the regeneration, and its commit
        assertTrue(fix.out().contains("+ regenerate FRR configuration (the last edge write to config.xml was not applied)"), fix::out);
        assertEquals(writes, fw.writeConfigCount(), "config.xml already held edge's values: nothing written");
        assertEquals(written, fw.readConfigXml());
        assertEquals(generates + 1, fw.generateCount(), "regenerated once");
        assertTrue(fw.frrConf().contains(" bgp router-id " + fw.host()), fw.frrConf());
        // the play's pfsense_bgp_verify passed against the regenerated FRR
        assertEquals(fw.host(), fw.vtyshJson("show bgp ipv4 unicast summary").path("routerId").asText());
        assertTrue(fw.awaitEstablished(3, BGP));
        assertPoolArrived(fw);

        Cli.Result again = run(cli, "site.yml", "--detailed-exitcode");
        assertEquals(ExitCodes.OK, again.exitCode(), again::all);
        assertEquals(writes, fw.writeConfigCount(), "no write");
        assertEquals(generates + 1, fw.generateCount(), "no regeneration");
    }

    @Test
    @Order(13)
    void anUnappliedEdgeWriteIsFoundBehindALaterUnrelatedSave(FirewallLab fw) throws Exception {
        php(fw, """
                config_set_path('installedpackages/frrbgp/config/0/routerid', '10.6.6.6');
                write_config("admin: router id");
                require_once("/usr/local/pkg/frr.inc");
                frr_generate_config();
                """);
        startAfterFrrConfSecond(fw);
        // what an interrupted edge run leaves (its write without frr_generate_config()), then someone
        // saves an unrelated page: the current revision is not edge's any more, backup.cache has it
        php(fw, """
                config_set_path('installedpackages/frrbgp/config/0/routerid', '%s');
                write_config("edge: frrbgp (routerid)");
                config_set_path('installedpackages/haproxy/config/0/enable', '');
                write_config("admin: unrelated change");
                """.formatted(fw.host()));
        assertTrue(revision(fw.readConfigXml()).contains("admin: unrelated change"));
        assertTrue(fw.frrConf().contains(" bgp router-id 10.6.6.6"), fw.frrConf());
        int writes = fw.writeConfigCount();
        int generates = fw.generateCount();

        Cli.Result fix = run(cli, "site.yml", "--diff", "--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, fix.exitCode(), fix::all);
        assertTrue(fix.out().contains("regenerate FRR configuration (the last edge write to config.xml was not applied)"), fix::out);
        assertEquals(writes, fw.writeConfigCount());
        assertEquals(generates + 1, fw.generateCount());
        assertTrue(fw.frrConf().contains(" bgp router-id " + fw.host()), fw.frrConf());

        Cli.Result again = run(cli, "site.yml", "--detailed-exitcode");
        assertEquals(ExitCodes.OK, again.exitCode(), again::all);
        assertEquals(generates + 1, fw.generateCount(), "no regeneration");
    }

    @Test
    @Order(14)
    void anEncryptedKeyWithItsPassphraseFromTheInventory(FirewallLab fw) throws Exception {
        String words = "lab key words 7";
        Path key = dir.resolve("encrypted_ed25519");
        Files.copy(fw.privateKey(), key);
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Process keygen = new ProcessBuilder("/usr/bin/ssh-keygen", "-q", "-p", "-f", key.toString(), "-P", "", "-N", words)
                .redirectErrorStream(true).start();
        String keygenOut = new String(keygen.getInputStream().readAllBytes());
        assertEquals(0, keygen.waitFor(), keygenOut);
        assertTrue(Files.readString(key).contains("OPENSSH PRIVATE KEY") && !Files.readString(key).equals(Files.readString(fw.privateKey())));
        PfSenseLab.write(cli, "debug.yml", """
                - hosts: firewalls
                  tasks:
                    - pfsense_package: {name: pfSense-pkg-frr}
                    - debug: {var: fw_key_words}
                """);

        Cli without = new Cli(dir.resolve("enc-nopass"));
        PfSenseLab.write(without, "inventory/hosts.yml", inventory(host(fw, "fw1")
                .replace(fw.privateKey().toString(), key.toString())));
        PfSenseLab.write(without, "debug.yml", Files.readString(dir.resolve("debug.yml")));
        Cli.Result refused = run(without, "debug.yml");
        assertEquals(ExitCodes.HOST_FAILED, refused.exitCode(), refused::all);
        assertTrue(refused.out().contains(key + " (for root@" + fw.host() + ":" + fw.sshPort() + ") is encrypted and no passphrase"
                + " was given; set edge_ssh_key_passphrase"), refused::out);

        Cli with = new Cli(dir.resolve("enc-pass"));
        // through a variable whose name does not say "secret": the value is masked all the same once used
        PfSenseLab.write(with, "inventory/hosts.yml", inventory(host(fw, "fw1",
                "fw_key_words: \"" + words + "\"", "edge_ssh_key_passphrase: \"{{ fw_key_words }}\"")
                .replace(fw.privateKey().toString(), key.toString())));
        PfSenseLab.write(with, "debug.yml", Files.readString(dir.resolve("debug.yml")));
        Path report = dir.resolve("enc-pass/report.json");
        Cli.Result r = run(with, "debug.yml", "-vvv", "--json", report.toString());
        assertEquals(0, r.exitCode(), r::all);
        assertTrue(r.out().contains("ssh: connected to root@"), r::out);
        assertTrue(r.out().contains("fw_key_words"), r::out);
        assertFalse(r.all().contains(words), "the passphrase never shows: " + r.all());
        assertFalse(Files.readString(report).contains(words), "nor in the report");
    }

    @Test
    @Order(15)
    void aMasterPasswordWithJsonEscapedCharactersNeverShows(FirewallLab fw) throws Exception {
        String pw = "Fw\"quote\\back&<1>";
        String jsonEscaped = "Fw\\\"quote\\\\back&<1>";
        assertEquals("Fw\\\"quote\\\\back&<1>", new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(pw)
                .replaceAll("^\"|\"$", ""), "the JSON spelling checked below");
        PfSenseLab.write(cli, "quotes.yml", """
                - hosts: firewalls
                  tasks:
                    - pfsense_frr_global:
                        enable: true
                        master_password: '%s'
                      register: global
                    - debug: {var: global}
                """.formatted(pw));
        List<Cli.Result> runs = new java.util.ArrayList<>();
        Path checkReport = dir.resolve("quotes-check.json");
        Cli.Result check = run(cli, "quotes.yml", "--check", "--diff", "-vvv", "--json", checkReport.toString());
        assertEquals(0, check.exitCode(), check::all);
        assertTrue(check.out().contains("~ frr.password: ******** (changed)"), check::out);
        runs.add(check);
        Path report = dir.resolve("quotes.json");
        Cli.Result apply = run(cli, "quotes.yml", "--diff", "-vvv", "--json", report.toString());
        assertEquals(0, apply.exitCode(), apply::all);
        runs.add(apply);
        Cli.Result again = run(cli, "quotes.yml", "--diff", "-vvv", "--detailed-exitcode");
        assertEquals(ExitCodes.OK, again.exitCode(), again::all);
        runs.add(again);
        for (Cli.Result r : runs) {
            assertFalse(r.all().contains(pw) || r.all().contains(jsonEscaped), r::all);
            assertFalse(r.all().contains("quote\\back") || r.all().contains("quote\\\\back"), r::all);
        }
        for (Path p : List.of(checkReport, report)) {
            String json = Files.readString(p);
            assertFalse(json.contains("quote\\back") || json.contains("quote\\\\back") || json.contains(pw), json);
        }
        // stored and generated as given
        assertTrue(fw.frrConf().contains("password " + pw + "\n"), fw.frrConf());
        // the site's password again
        Cli.Result site = run(cli, "site.yml");
        assertEquals(0, site.exitCode(), site::all);
        assertTrue(fw.frrConf().contains("password " + MASTER_PASSWORD + "\n"), fw.frrConf());
    }

    @Test
    @Order(16)
    void pfsenseFactsReadsTheConfigurationOnceWithPasswordsMasked(FirewallLab fw) throws Exception {
        PfSenseLab.write(cli, "facts.yml", """
                - hosts: firewalls
                  tasks:
                    - pfsense_facts: {}
                    - debug: var=pfsense_frr
                    - assert:
                        that:
                          - pfsense_frr.frr_package_installed
                          - pfsense_frr.frrbgp.asnum == '64501'
                          - pfsense_frr.neighbors | length >= 3
                          - pfsense_frr.frr.password == '********'
                """);
        long logins = acceptedLogins(fw);
        Cli.Result r = run(cli, "facts.yml", "--detailed-exitcode");
        assertEquals(ExitCodes.OK, r.exitCode(), r::all);
        assertEquals(logins + 1, acceptedLogins(fw), "one SSH session");
        assertTrue(r.out().contains("\"disableebgprequirepolicy\": \"on\""), r::out);
        assertFalse(r.all().contains(MASTER_PASSWORD), r::all);
    }

    /**
     * Revision times and file times are whole seconds, and a generation in the same second as an
     * edge write counts as after it: start the next step once the clock is past frr.conf's second.
     */
    private static void startAfterFrrConfSecond(FirewallLab fw) throws Exception {
        long generated = Files.getLastModifiedTime(fw.frrConfPath()).to(TimeUnit.SECONDS);
        while (System.currentTimeMillis() / 1000 <= generated) {
            Thread.sleep(20);
        }
    }

    @Test
    @Order(17)
    void theFirewallsSessionOpensWhileEarlierPlaysRunAndOnlyWhenItsTasksAreSelected(FirewallLab fw) throws Exception {
        PfSenseLab.write(cli, "ahead.yml", """
                - name: something else first
                  hosts: firewalls
                  tags: [first]
                  tasks:
                    - debug: {msg: "the first play"}
                    # long enough for the session and the read ahead to be done before the firewall's first task
                    - wait_for: {host: 127.0.0.1, port: 1, state: stopped, delay: 1}
                - name: the firewall
                  hosts: firewalls
                  tags: [firewall]
                  tasks:
                    - pfsense_facts: {}
                """);
        SshStats before = SshConnection.totals();
        Cli.Result r = run(cli, "ahead.yml", "-v");
        SshStats used = SshConnection.totals().minus(before);
        assertEquals(0, r.exitCode(), r::all);
        assertTrue(r.out().contains("ssh: connected to " + fw.user() + "@") && r.out().contains("(opened at the start of the run)"), r::out);
        assertTrue(r.out().indexOf("ssh: connected") > r.out().indexOf("TASK [pfsense_facts]"),
                "logged by the first task that uses it, not while the first play ran\n" + r.out());
        assertEquals(1, used.sessionsOpened(), used::toString);
        assertEquals(1, used.commandsRun(), "config.xml was read ahead, once, and the task used that read: " + used);
        assertTrue(r.out().contains("(read at the start of the run)")
                && r.out().indexOf("pfsense: read config.xml") > r.out().indexOf("ssh: connected"), r::out);

        before = SshConnection.totals();
        Cli.Result first = run(cli, "ahead.yml", "--tags", "first");
        assertEquals(0, first.exitCode(), first::all);
        assertEquals(0, SshConnection.totals().minus(before).sessionsOpened(), "no task of the run needs the firewall: not contacted");
    }

    @Test
    @Order(18)
    void aReadMadeAheadOverASessionTheFirstTaskDoesNotUseIsReadAgain(FirewallLab fw) throws Exception {
        // a fact changes the login between the start of the run and the firewall's first task: the session
        // opened ahead (and what was read over it) may be another firewall's, so the task starts afresh
        PfSenseLab.write(cli, "ahead-changed.yml", """
                - name: the login changes first
                  hosts: firewalls
                  tasks:
                    - wait_for: {host: 127.0.0.1, port: 1, state: stopped, delay: 1}
                    - set_fact: {edge_ssh_connect_timeout: 17}
                    - pfsense_facts: {}
                """);
        SshStats before = SshConnection.totals();
        Cli.Result r = run(cli, "ahead-changed.yml", "-v");
        SshStats used = SshConnection.totals().minus(before);
        assertEquals(0, r.exitCode(), r::all);
        assertEquals(2, used.sessionsOpened(), used::toString);
        assertEquals(2, used.commandsRun(), "read ahead, then again over the task's own session: " + used);
        assertFalse(r.out().contains("(read at the start of the run)"), r::out);
        assertFalse(r.out().contains("(opened at the start of the run)"), r::out);
        assertEquals(1, r.out().split("pfsense: read config.xml", -1).length - 1, "one read is the task's: " + r.out());
    }
}
