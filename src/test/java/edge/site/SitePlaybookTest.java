package edge.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.cli.Cli;
import edge.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project's own playbooks/site.yml where no lab is needed: what its verification says when the
 * Kubernetes tasks could not read the cluster. Loopback only; nothing listens on the addresses used.
 */
class SitePlaybookTest {
    @TempDir
    Path dir;

    @Test
    void whenTheClusterWasNotReadTheNodeComparisonSaysSoInsteadOfComparingWithNothing() throws IOException {
        Path project = Path.of("").toAbsolutePath();
        Cli cli = new Cli(dir);
        cli.write("inventory/hosts.yml", """
                all:
                  children:
                    k8s:
                      hosts:
                        k8smaster1: {ansible_host: 127.0.0.91}
                    firewalls:
                      hosts:
                        pfsense: {ansible_host: 127.0.0.90, ansible_port: 9, edge_ssh_connect_timeout: 2}
                """);
        for (String group : new String[] {"all", "k8s", "firewalls"}) {
            cli.write("inventory/group_vars/" + group + "/site.yml", Files.readString(project.resolve("inventory/group_vars/" + group + ".yml")));
        }
        cli.write("inventory/group_vars/all/zz-test.yml", "site_networks: [\"127.0.0.0/24\"]\nbgp_wait_timeout: 1\n");
        cli.write("inventory/group_vars/k8s/zz-test.yml", "k8s_kubeconfig: " + dir.resolve("no-such-kubeconfig") + "\n");
        Cli.Result r = cli.run("run", "-i", dir.resolve("inventory").toString(), project.resolve("playbooks/site.yml").toString(),
                "--tags", "verify", "-e", "frr_master_password=not-used-here");
        assertEquals(ExitCodes.HOST_FAILED, r.exitCode(), r::all);
        assertTrue(r.out().contains("kubeconfig " + dir.resolve("no-such-kubeconfig") + " (from variable k8s_kubeconfig) does not exist"),
                r::out);
        assertTrue(r.out().contains("not compared: the cluster's nodes were not read"), r::out);
        assertFalse(r.out().contains("differ from the cluster's nodes ()"), r::out);
    }

    @Test
    void validateWarnsThatTheManualsLocalPrefNeverReachesTheEbgpFirewall() {
        Path project = Path.of("").toAbsolutePath();
        Cli cli = new Cli(dir);
        Cli.Result r = cli.run("validate", "-i", project.resolve("inventory").toString(), project.resolve("playbooks/site.yml").toString(),
                "-e", "frr_master_password=not-used-here");
        assertEquals(0, r.exitCode(), "a warning, not an error\n" + r.all());
        assertTrue(r.err().contains("WARNING: ") && r.err().contains("site.yml:")
                && r.err().contains("spec.localPref: localPref 100 has no effect here: MetalLB sends LOCAL_PREF to iBGP peers only")
                && r.err().contains("metallb-bgppeer-pfsense (64500 -> 64501)"), r::err);
    }
}
