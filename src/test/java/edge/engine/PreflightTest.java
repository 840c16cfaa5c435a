package edge.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.cli.Cli;
import edge.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Site rules written as preflight tasks fail validation (exit 3, file:line) before anything runs. */
class PreflightTest {
    @TempDir
    Path dir;
    Cli cli;

    @BeforeEach
    void setUp() throws IOException {
        cli = new Cli(dir);
        cli.write("inventory/hosts.yml", """
                all:
                  vars:
                    pool: 192.168.32.0/24
                    node_network: 192.168.4.0/24
                  children:
                    k8s:
                      hosts:
                        k8smaster1: {ansible_host: 192.168.4.11}
                        k8snode1: {ansible_host: 192.168.4.12}
                """);
    }

    private Cli.Result validate(String playbook, String... extra) throws IOException {
        cli.write("site.yml", playbook);
        return cli.playbook("validate", "site.yml", extra);
    }

    static final String RULES = """
            - hosts: k8s
              tasks:
                - name: the pool does not overlap the node network or contain a node
                  preflight:
                    that:
                      - pool | ipaddr
                      - not (pool | network_overlaps(node_network))
                      - not (pool | network_overlaps(ansible_host))
                    fail_msg: "pool {{ pool }} overlaps {{ node_network }} or {{ ansible_host }}"
                - name: every node has an address
                  preflight:
                    that: "hostvars[item].ansible_host | ipaddr"
                    fail_msg: "{{ item }} has no valid ansible_host"
                  loop: "{{ groups['k8s'] }}"
                  run_once: true
                - local_file: {path: "%s/ran", content: x}
            """;

    @Test
    void rulesThatHoldLetTheRunGoAhead() throws IOException {
        Cli.Result ok = validate(RULES.formatted(dir));
        assertEquals(0, ok.exitCode(), ok::all);
    }

    @Test
    void aBrokenRuleStopsTheRunBeforeAnythingIsContacted() throws IOException {
        Cli.Result bad = validate(RULES.formatted(dir), "-e", "pool=192.168.4.128/25");
        assertEquals(ExitCodes.INVALID_INPUT, bad.exitCode(), bad::all);
        assertTrue(bad.err().contains("site.yml:7:"), bad::err);
        assertTrue(bad.err().contains("pool 192.168.4.128/25 overlaps 192.168.4.0/24"), bad::err);

        cli.write("site.yml", RULES.formatted(dir));
        Cli.Result run = cli.run("run", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString(),
                "-e", "pool=192.168.4.12/32", "-e", "node_network=10.0.0.0/8");
        assertEquals(ExitCodes.INVALID_INPUT, run.exitCode(), run::all);
        assertTrue(run.err().contains("site.yml:8:"), "the third condition (node address) fails\n" + run.err());
        assertFalse(Files.exists(dir.resolve("ran")));
    }

    @Test
    void loopsAreCheckedPerItem() throws IOException {
        cli.write("inventory/host_vars/k8snode1.yml", "ansible_host: not-an-ip\n");
        Cli.Result bad = validate(RULES.formatted(dir));
        assertEquals(ExitCodes.INVALID_INPUT, bad.exitCode(), bad::all);
        assertTrue(bad.err().contains("k8snode1 has no valid ansible_host"), bad::err);
    }

    @Test
    void conditionsNeedingRunTimeFactsAreRejected() throws IOException {
        Cli.Result bad = validate("""
                - hosts: k8s
                  tasks:
                    - preflight:
                        that: registered_later.changed
                """);
        assertEquals(ExitCodes.INVALID_INPUT, bad.exitCode(), bad::all);
        assertTrue(bad.err().contains("cannot be evaluated before the run") && bad.err().contains("registered_later"), bad::err);
    }

    @Test
    void ipFilters() throws IOException {
        cli.write("site.yml", """
                - hosts: k8smaster1
                  tasks:
                    - assert:
                        that:
                          - "'192.168.32.0/24' | network_in_network('192.168.32.7')"
                          - "not ('192.168.32.0/24' | network_in_network('192.168.33.7'))"
                          - "'192.168.32.0/24' | network_overlaps('192.168.0.0/16')"
                          - "not ('10.0.0.0/8' | network_overlaps('192.168.0.0/16'))"
                          - "('192.168.32.7/24' | ipaddr('network')) == '192.168.32.0'"
                          - "('192.168.32.7/24' | ipaddr('prefix')) == 24"
                          - "not ('k8snode1' | ipaddr)"
                          - "not ('300.1.1.1' | ipaddr)"
                          - "'fd00::/64' | network_in_network('fd00::1')"
                          - "'192.168.32.7' is in_network('192.168.32.0/24')"
                          - "['192.168.32.7', '10.0.0.1'] | select('in_network', '192.168.32.0/24') | list | length == 1"
                """);
        Cli.Result r = cli.run("run", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString());
        assertEquals(0, r.exitCode(), r::all);
    }
}
