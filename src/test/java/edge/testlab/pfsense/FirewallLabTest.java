package edge.testlab.pfsense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Smoke test of the firewall lab with the system ssh client: pfSense's paths and config API,
 * write_config() backups and revisions, the fake package install, frr_generate_config() into a
 * real bgpd with three MetalLB-like speakers, and the fault hooks. The tests build on each other
 * (one lab for the class), in order.
 */
@WithFirewallLab
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FirewallLabTest {
    private static final Duration BGP_TIMEOUT = Duration.ofSeconds(45);

    private static String frrSections(FirewallLab fw, List<String> neighbors) {
        StringBuilder n = new StringBuilder();
        int i = 1;
        for (String ip : neighbors) {
            n.append("$n[] = array('peer' => '").append(ip).append("', 'descr' => 'node").append(i++)
                    .append("', 'asnum' => '").append(fw.nodeAs()).append("');\n");
        }
        return """
                <?php
                require_once("config.inc");
                require_once("util.inc");
                config_set_path('installedpackages/frr/config/0', array('enable' => 'on', 'routerid' => '%1$s', 'password' => 'lab&pw'));
                config_set_path('installedpackages/frrbgp/config/0', array('enable' => 'on', 'asnum' => '64501', 'routerid' => '%1$s'));
                config_set_path('installedpackages/frrbgpadvanced/config/0', array('disableebgprequirepolicy' => 'on'));
                $n = array();
                %2$s
                config_set_path('installedpackages/frrbgpneighbors/config', $n);
                write_config("edge-lab: FRR sections");
                require_once("/usr/local/pkg/frr.inc");
                frr_generate_config();
                echo json_encode(array('revision' => config_get_path('revision')));
                """.formatted(fw.host(), n);
    }

    private static String revisionTime(String configXml) {
        Matcher m = Pattern.compile("<revision>\\s*<time>(\\d+)</time>").matcher(configXml);
        assertTrue(m.find(), "config.xml has a revision");
        return m.group(1);
    }

    private static void assertValidXml(String xml) throws Exception {
        DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static void awaitTrue(Duration timeout, java.util.function.BooleanSupplier check) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!check.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return;
            }
            Thread.sleep(100);
        }
    }

    @Test
    @Order(1)
    void pfSensePathsAndConfigApi(FirewallLab fw) {
        FirewallLab.ExecResult r = fw.ssh("echo $0; for c in php pkg pfSense-upgrade; do command -v $c; done; "
                + "test -f /cf/conf/config.xml && test -f /etc/inc/config.inc && test -L /conf && echo paths-ok; "
                + "test -e /usr/local/pkg/frr.inc || echo no-frr-inc");
        assertTrue(r.ok(), r.toString());
        assertEquals(List.of("sh", "/usr/local/bin/php", "/usr/local/sbin/pkg", "/usr/local/sbin/pfSense-upgrade",
                "paths-ok", "no-frr-inc"), r.stdout().lines().toList());

        r = fw.ssh("/usr/local/bin/php -r \"require_once(\\\"config.inc\\\"); "
                + "echo json_encode(config_get_path(\\\"installedpackages/frr\\\")), ' ', "
                + "config_get_path(\\\"system/hostname\\\"), ' ', config_get_path(\\\"version\\\");\"");
        assertTrue(r.ok(), r.toString());
        assertEquals("null pfSense 23.3", r.stdout().strip());

        // htmlentities/CDATA round trip of the parser: the rule description has & < > "
        r = fw.php("<?php require_once('config.inc'); echo config_get_path('filter/rule/2/descr');");
        assertEquals("BGP from k8s nodes & MetalLB <speakers> (\"bgp\")", r.stdout(), r.toString());
    }

    @Test
    @Order(2)
    void fakePkgInstallRegistersThePackage(FirewallLab fw) {
        assertEquals(1, fw.ssh("pkg info -e pfSense-pkg-frr").exitCode());
        assertFalse(fw.readConfigXml().contains("<internal_name>frr</internal_name>"));

        FirewallLab.ExecResult r = fw.ssh("/usr/local/sbin/pfSense-upgrade -y -i pfSense-pkg-frr");
        assertTrue(r.ok(), r.toString());

        assertEquals(0, fw.ssh("pkg info -e pfSense-pkg-frr").exitCode());
        assertTrue(fw.pkgInstalled("pfSense-pkg-frr"));
        assertTrue(fw.pkgInstalls().stream().anyMatch(l -> l.contains("installed pfSense-pkg-frr-")), fw.pkgInstalls().toString());
        r = fw.php("<?php require_once('config.inc'); require_once('pkg-utils.inc'); var_export(is_package_installed('frr'));");
        assertEquals("true", r.stdout(), r.toString());
        String xml = fw.readConfigXml();
        assertTrue(xml.contains("<internal_name>frr</internal_name>"), "package entry written");
        assertTrue(xml.contains("<description><![CDATA[(system): Installed FRR package.]]></description>"), xml);
        assertTrue(xml.contains("<tunable>kern.ipc.maxsockbuf</tunable>"), "frr_package_install() tunable");
        assertTrue(fw.ssh("test -f /usr/local/pkg/frr.inc && test -x /usr/local/bin/vtysh").ok());
        assertTrue(fw.writeConfigCount() >= 2, fw.events("write_config").toString());
        assertTrue(fw.backupCount() >= 1);
    }

    @Test
    @Order(3)
    void writeConfigKeepsABackupAndWritesARevision(FirewallLab fw) throws Exception {
        String before = fw.readConfigXml();
        String oldRevision = revisionTime(before);
        int writes = fw.writeConfigCount();
        Thread.sleep(1100); // a new revision time

        FirewallLab.ExecResult r = fw.php("""
                <?php
                require_once("config.inc");
                config_set_path('installedpackages/frrbgp/config/0', array('enable' => '', 'asnum' => '64501'));
                write_config("edge-lab: revision test");
                """);
        assertTrue(r.ok(), r.toString());

        String after = fw.readConfigXml();
        assertNotEquals(oldRevision, revisionTime(after));
        assertTrue(after.contains("<description><![CDATA[(system): edge-lab: revision test]]></description>"), after);
        assertTrue(after.contains("<username><![CDATA[(system)]]></username>"));
        assertTrue(after.contains("\t\t<frrbgp>\n\t\t\t<config>\n\t\t\t\t<enable></enable>\n\t\t\t\t<asnum>64501</asnum>\n"), after);
        Path backup = fw.configXmlPath().resolveSibling("backup/config-" + oldRevision + ".xml");
        assertEquals(before, Files.readString(backup), "backup of the previous revision");
        assertEquals(writes + 1, fw.writeConfigCount());
        assertTrue(fw.configTempFiles().isEmpty(), "config.xml.<pid> renamed");
        assertValidXml(after);
    }

    @Test
    @Order(4)
    void generatedFrrConfReachesThreeEstablishedSessionsWithTheNoAdvertisePrefix(FirewallLab fw) throws Exception {
        int generated = fw.generateCount();
        FirewallLab.ExecResult r = fw.php(frrSections(fw, fw.nodeIps()));
        assertTrue(r.ok(), r.toString());
        assertEquals(generated + 1, fw.generateCount());

        String conf = fw.frrConf();
        assertNotNull(conf);
        assertTrue(conf.startsWith("##################### DO NOT EDIT THIS FILE! ######################\n"), conf);
        for (String line : List.of("frr defaults traditional", "hostname pfSense.home.arpa", "password lab&pw",
                "service integrated-vtysh-config", "ip router-id " + fw.host(), "router bgp 64501",
                " bgp router-id " + fw.host(), " no bgp network import-check", " no bgp ebgp-requires-policy",
                " neighbor " + fw.nodeIps().get(0) + " remote-as " + fw.nodeAs(),
                " neighbor " + fw.nodeIps().get(0) + " description node1",
                " address-family ipv4 unicast", "  neighbor " + fw.nodeIps().get(2) + " activate",
                " exit-address-family", "line vty")) {
            assertTrue(conf.lines().anyMatch(line::equals), "frr.conf has '" + line + "':\n" + conf);
        }

        assertTrue(fw.awaitEstablished(3, BGP_TIMEOUT), fw.vtysh("show bgp summary").stdout());
        JsonNode summary = fw.vtyshJson("show bgp ipv4 unicast summary");
        assertEquals(64501, summary.path("as").asInt());
        for (String ip : fw.nodeIps()) {
            assertEquals("Established", summary.path("peers").path(ip).path("state").asText(), summary.toString());
        }
        String prefix = fw.prefixes().get(0);
        JsonNode route = fw.vtyshJson("show bgp ipv4 unicast " + prefix);
        assertEquals(3, route.path("paths").size(), route.toString());
        for (JsonNode path : route.path("paths")) {
            assertEquals("no-advertise", path.path("community").path("string").asText(), route.toString());
        }
        // and the same through the firewall's own vtysh over SSH, as edge would verify
        r = fw.ssh("/usr/local/bin/vtysh -c 'show bgp ipv4 unicast community no-advertise json'");
        assertTrue(r.ok() && r.stdout().contains(prefix), r.toString());
        assertTrue(fw.frrServiceActions().stream().anyMatch(l -> l.contains(" start pid=")), fw.frrServiceActions().toString());
    }

    @Test
    @Order(5)
    void regeneratingUnchangedConfigReloadsNothing(FirewallLab fw) throws Exception {
        String pidBefore = Files.readString(fw.stateDir().resolve("fw/frr-run/bgpd.pid")).strip();
        int actions = fw.frrServiceActions().size();
        FirewallLab.ExecResult r = fw.php("<?php require_once('/usr/local/pkg/frr.inc'); frr_generate_config();");
        assertTrue(r.ok(), r.toString());
        awaitTrue(Duration.ofSeconds(10), () -> fw.frrServiceActions().size() > actions);
        List<String> newActions = fw.frrServiceActions().subList(actions, fw.frrServiceActions().size());
        assertEquals(1, newActions.size(), newActions.toString());
        assertTrue(newActions.get(0).contains("reload: configuration unchanged"), newActions.toString());
        assertEquals(pidBefore, Files.readString(fw.stateDir().resolve("fw/frr-run/bgpd.pid")).strip());
        assertTrue(fw.events("frr_generate_config").get(fw.generateCount() - 1).contains(" unchanged action=reload"));
    }

    @Test
    @Order(6)
    void aFourthNodeJoins(FirewallLab fw) throws Exception {
        String extra = fw.spareNodeIp();
        fw.addSpeaker(extra);
        List<String> nodes = new ArrayList<>(fw.nodeIps());
        nodes.add(extra);
        FirewallLab.ExecResult r = fw.php(frrSections(fw, nodes));
        assertTrue(r.ok(), r.toString());
        assertTrue(fw.awaitEstablished(4, BGP_TIMEOUT), fw.vtysh("show bgp summary").stdout());
        fw.removeSpeaker(extra);
    }

    @Test
    @Order(7)
    void aConnectionCutInsideWriteConfigLeavesAValidConfigXml(FirewallLab fw) throws Exception {
        String before = fw.readConfigXml();
        fw.setWriteConfigDelay(Duration.ofSeconds(5));
        try {
            CompletableFuture<FirewallLab.ExecResult> run = CompletableFuture.supplyAsync(() -> fw.php("""
                    <?php
                    require_once("config.inc");
                    config_set_path('installedpackages/frrbgp/config/0/asnum', '64999');
                    write_config("edge-lab: interrupted");
                    echo "finished\\n";
                    """));
            awaitTrue(Duration.ofSeconds(20), () -> !fw.configTempFiles().isEmpty());
            assertFalse(fw.configTempFiles().isEmpty(), "write_config() reached config.xml.<pid>");
            fw.cutConnections(true);
            FirewallLab.ExecResult r = run.get();
            assertNotEquals(0, r.exitCode(), r.toString());
            assertFalse(r.stdout().contains("finished"));
        } finally {
            fw.clearHooks();
        }
        String after = fw.readConfigXml();
        assertEquals(before, after, "config.xml untouched by the interrupted write");
        assertValidXml(after);
        assertEquals(1, fw.configTempFiles().size(), "the temp file stays, as on pfSense");
        assertTrue(fw.ssh("true").ok(), "the firewall still answers");
    }

    @Test
    @Order(8)
    void sshFailureModesAndPasswordLogin(FirewallLab fw) throws Exception {
        String target = fw.user() + "@" + fw.host();
        List<String> base = List.of("/usr/bin/ssh", "-p", String.valueOf(fw.sshPort()), "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=5");
        List<String> wrongHostKey = new ArrayList<>(base);
        wrongHostKey.addAll(List.of("-i", fw.privateKey().toString(), "-o", "UserKnownHostsFile=" + fw.wrongKnownHosts(), target, "true"));
        FirewallLab.ExecResult r = FirewallLab.run(wrongHostKey, null, Map.of(), Duration.ofSeconds(30));
        assertEquals(255, r.exitCode());
        assertTrue(r.stderr().contains("REMOTE HOST IDENTIFICATION HAS CHANGED"), r.stderr());

        List<String> badKey = new ArrayList<>(base);
        badKey.addAll(List.of("-i", fw.unauthorizedKey().toString(), "-o", "UserKnownHostsFile=" + fw.knownHosts(), target, "true"));
        r = FirewallLab.run(badKey, null, Map.of(), Duration.ofSeconds(30));
        assertEquals(255, r.exitCode());
        assertTrue(r.stderr().contains("Permission denied"), r.stderr());

        List<String> closed = new ArrayList<>(List.of("/usr/bin/ssh", "-p", String.valueOf(fw.closedPort()), "-o", "BatchMode=yes",
                "-i", fw.privateKey().toString(), "-o", "UserKnownHostsFile=" + fw.knownHosts(), target, "true"));
        r = FirewallLab.run(closed, null, Map.of(), Duration.ofSeconds(30));
        assertEquals(255, r.exitCode());
        assertTrue(r.stderr().contains("Connection refused"), r.stderr());

        Path askpass = fw.stateDir().resolve("askpass.sh");
        Files.writeString(askpass, "#!/bin/sh\ncat '" + fw.stateDir().resolve("ssh/admin.password") + "'\n");
        askpass.toFile().setExecutable(true);
        List<String> password = List.of("/usr/bin/setsid", "-w", "/usr/bin/ssh", "-p", String.valueOf(fw.sshPort()),
                "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                "-o", "UserKnownHostsFile=" + fw.knownHosts(), "-o", "StrictHostKeyChecking=yes",
                fw.adminUser() + "@" + fw.host(), "/usr/local/bin/php -r 'echo 6*7;'");
        r = FirewallLab.run(password, "", Map.of("SSH_ASKPASS", askpass.toString(), "SSH_ASKPASS_REQUIRE", "force"),
                Duration.ofSeconds(30));
        assertEquals("42", r.stdout(), r.toString());
    }

    /** The emulated generator against the shared synthetic fixture (../shared beside the checkout). */
    @Test
    @Order(9)
    void generatorMatchesTheExpectedFrrConfFixture(FirewallLab fw) throws Exception {
        Path fixtures = Path.of(System.getProperty("edge.basedir", ".")).toAbsolutePath()
                .resolve("../shared/fixtures/pfsense").normalize();
        Path minimal = fixtures.resolve("SYNTHETIC__pfsense-pkg-frr__metallb-minimal.xml");
        if (!Files.exists(minimal)) {
            if (FirewallLabExtension.inCi()) {
                throw new IllegalStateException("CI without ../shared fixtures: " + minimal);
            }
            org.junit.jupiter.api.Assumptions.abort("no shared fixtures at " + fixtures);
        }
        Files.copy(minimal, fw.stateDir().resolve("fw/tmp/minimal.xml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // generator functions only: no write_config(), no daemon action (the fixture's neighbors are not lab addresses)
        FirewallLab.ExecResult r = fw.php("""
                <?php
                require_once("config.inc");
                require_once("/usr/local/pkg/frr.inc");
                $fixture = parse_xml_config("/tmp/minimal.xml", "pfsense");
                foreach ($fixture['installedpackages'] as $k => $v) {
                    if (strpos($k, 'frr') === 0) { $config['installedpackages'][$k] = $v; }
                }
                global $frr_integrated_config;
                $frr_integrated_config = array('interfaces' => '');
                frr_generate_config_vtysh(); frr_generate_config_zebra(); frr_generate_config_bgp(); frr_generate_config_integrated();
                echo file_get_contents('/var/etc/frr/frr.conf');
                """);
        assertTrue(r.ok(), r.toString());
        assertEquals(Files.readString(fixtures.resolve("SYNTHETIC__pfsense-pkg-frr__expected-frr.conf")), r.stdout());
    }
}
