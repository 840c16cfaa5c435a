package edge.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.cli.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ansible's playbook language as edge runs it: variables, templates, loops, conditions, handlers, tags. */
class PlaybookLanguageTest {
    @TempDir
    Path dir;
    Cli cli;

    @BeforeEach
    void setUp() throws IOException {
        cli = new Cli(dir);
        cli.write("inventory/hosts.yml", """
                all:
                  vars:
                    level: inventory-all
                    pool: 192.168.32.0/24
                  children:
                    k8s:
                      vars:
                        level: inventory-k8s
                      hosts:
                        k8smaster1: {ansible_host: 10.0.0.11}
                        k8snode[1:2]:
                    firewalls:
                      hosts:
                        fw1: {ansible_host: 10.0.0.1, level: inventory-host}
                """);
        cli.write("inventory/group_vars/k8s/main.yml", "level: group_vars-k8s\nnode_asn: 64500\n");
        cli.write("inventory/group_vars/all.yml", "level: group_vars-all\nderived: \"{{ pool }} via {{ level }}\"\n");
        cli.write("inventory/host_vars/k8snode2.yml", "level: host_vars-k8snode2\n");
    }

    private Cli.Result run(String playbook, String... extra) throws IOException {
        cli.write("site.yml", playbook);
        return cli.playbook("run", "site.yml", extra);
    }

    /** The JSON that debug printed for a host, e.g. {"msg": ...}. */
    private static String debugOf(Cli.Result r, String host) {
        int i = r.out().indexOf("ok: [" + host + "] => {");
        assertTrue(i >= 0, r::out);
        return r.out().substring(i, r.out().indexOf("\n}", i) + 2);
    }

    @Test
    void variablePrecedenceFollowsAnsible() throws IOException {
        Cli.Result r = run("""
                - hosts: all
                  tasks:
                    - debug: var=level
                """);
        assertEquals(0, r.exitCode(), r::all);
        assertTrue(debugOf(r, "k8smaster1").contains("group_vars-k8s"), "group_vars/<group> over inventory and group_vars/all");
        assertTrue(debugOf(r, "k8snode2").contains("host_vars-k8snode2"), "host_vars over group vars");
        assertTrue(debugOf(r, "fw1").contains("inventory-host"), "inventory host var over group_vars/all");

        Cli.Result withPlayVars = run("""
                - hosts: fw1
                  vars: {level: play}
                  tasks:
                    - debug: var=level
                    - debug: var=level
                      vars: {level: task}
                    - set_fact: {level: fact}
                    - debug: var=level
                """, "-e", "unrelated=1");
        String out = withPlayVars.out();
        assertTrue(out.indexOf("\"level\": \"play\"") < out.indexOf("\"level\": \"task\""), out);
        assertTrue(out.contains("\"level\": \"fact\""), out);

        Cli.Result extra = run("""
                - hosts: fw1
                  vars: {level: play}
                  tasks:
                    - set_fact: {level: fact}
                    - debug: var=level
                """, "-e", "level=extra");
        assertTrue(extra.out().contains("\"level\": \"extra\""), "extra vars win over everything\n" + extra.out());
    }

    @Test
    void templatesKeepNativeTypesAndResolveLazily() throws IOException {
        Cli.Result r = run("""
                - hosts: fw1
                  vars:
                    nodes: "{{ groups['k8s'] }}"
                    addresses: "{{ nodes | map('extract', hostvars, 'ansible_host') | list }}"
                  tasks:
                    - assert:
                        that:
                          - nodes | length == 3
                          - nodes[0] == 'k8smaster1'
                          - hostvars['k8smaster1'].ansible_host == '10.0.0.11'
                          - node_asn is not defined
                          - hostvars['k8snode1'].node_asn == 64500
                          - derived == '192.168.32.0/24 via inventory-host'
                          - (missing | default('fallback')) == 'fallback'
                          - "'k8s' in group_names or inventory_hostname == 'fw1'"
                    - debug:
                        msg: "{{ groups['k8s'] | join(',') }}"
                """);
        assertEquals(0, r.exitCode(), r::all);
        assertTrue(r.out().contains("\"msg\": \"k8smaster1,k8snode1,k8snode2\""), r::out);
    }

    @Test
    void aTemplateRenderingToAListLiteralBecomesAList() throws IOException {
        Cli.Result r = run("""
                - hosts: fw1
                  vars:
                    neighbors: >-
                      [{% for n in groups['k8s'] %}
                      {"address": "{{ hostvars[n].ansible_host | default(n) }}", "remote_as": 64500, "description": "{{ n }}"}{% if not loop.last %},{% endif %}
                      {% endfor %}]
                  tasks:
                    - assert:
                        that:
                          - neighbors | length == 3
                          - neighbors[0].address == '10.0.0.11'
                          - neighbors[1].address == 'k8snode1'
                          - neighbors[2].remote_as == 64500
                """);
        assertEquals(0, r.exitCode(), r::all);
    }

    @Test
    void envAndFileLookups() throws IOException {
        cli.write("files/token.txt", "file-value\n");
        String home = System.getenv("HOME");
        Cli.Result r = run("""
                - hosts: fw1
                  tasks:
                    - assert:
                        that:
                          - lookup('file', 'files/token.txt') == 'file-value'
                          - lookup('env', 'HOME') == '%s'
                          - lookup('env', 'EDGE_SURELY_UNSET_VAR', 'dflt') == 'dflt'
                    - debug:
                        msg: "{{ lookup('env', 'EDGE_SURELY_' ~ 'UNSET_VAR') }}"
                """.formatted(home));
        assertEquals(2, r.exitCode(), r::all);
        assertTrue(r.out().contains("environment variable EDGE_SURELY_UNSET_VAR is not set"), r::out);
        assertTrue(r.out().matches("(?s).*fw1\\s+: ok=1\\s+changed=0\\s+unreachable=0\\s+failed=1.*"), r::out);

        Cli.Result literal = run("""
                - hosts: fw1
                  tasks:
                    - debug:
                        msg: "{{ lookup('env', 'EDGE_SURELY_UNSET_VAR') }}"
                """);
        assertEquals(3, literal.exitCode(), "a literal lookup that cannot resolve is refused before the run\n" + literal.all());
        assertTrue(literal.err().contains("site.yml:3:7: debug: lookup('env', 'EDGE_SURELY_UNSET_VAR')"), literal::err);
    }

    @Test
    void loopsRegisterWhenAndLoopControl() throws IOException {
        Cli.Result r = run("""
                - hosts: fw1
                  tasks:
                    - name: neighbours
                      set_fact:
                        last: "{{ peer.inventory_hostname }}"
                      loop: "{{ groups['k8s'] | map('extract', hostvars) | list }}"
                      loop_control:
                        loop_var: peer
                        label: "{{ peer.inventory_hostname }}"
                      when: peer.inventory_hostname != 'k8snode2'
                      register: looped
                    - assert:
                        that:
                          - looped.results | length == 3
                          - looped.results[2].skipped
                          - not looped.results[0].skipped
                    - debug: msg="{{ item }}"
                      with_items: [a, b]
                    - set_fact: {seen: "{{ item }}"}
                      with_items: [[1, 2], [3]]
                      register: flat
                    - assert:
                        that:
                          - flat.results | length == 3
                          - flat.results | map(attribute='item') | list == [1, 2, 3]
                          - looped.results[0].peer.inventory_hostname == 'k8smaster1'
                          - looped.results[0].ansible_loop_var == 'peer'
                """);
        assertEquals(0, r.exitCode(), r::all);
        assertTrue(r.out().contains("ok: [fw1] => (item=k8smaster1)"), r::out);
        assertTrue(r.out().contains("skipping: [fw1] => (item=k8snode2)"), r::out);
        assertTrue(r.out().contains("(item=b)"), r::out);
    }

    @Test
    void retriesUntilChangedWhenFailedWhen() throws IOException {
        Path counter = dir.resolve("counter");
        Cli.Result r = run("""
                - hosts: fw1
                  tasks:
                    - name: until the file exists
                      local_file: {path: "%s", content: "x"}
                      register: written
                      until: written.changed == false
                      retries: 3
                      delay: 0
                    - name: never changed
                      local_file: {path: "%s-2", content: "y"}
                      changed_when: false
                    - name: fails on purpose
                      debug: msg=ok
                      register: d
                      failed_when: d.msg == 'ok'
                      ignore_errors: true
                """.formatted(counter, counter));
        assertEquals(0, r.exitCode(), r::all);
        assertTrue(Files.exists(counter));
        assertTrue(r.out().matches("(?s).*fw1\\s+: ok=3\\s+changed=0\\s+unreachable=0\\s+failed=0\\s+skipped=0\\s+rescued=0\\s+ignored=1.*"), r::out);

        Cli.Result gaveUp = run("""
                - hosts: fw1
                  tasks:
                    - debug: msg=never
                      register: x
                      until: x.msg == 'done'
                      retries: 2
                      delay: 0
                """);
        assertEquals(2, gaveUp.exitCode(), gaveUp::all);
        assertTrue(gaveUp.out().contains("gave up after 3 attempts"), gaveUp::out);
    }

    @Test
    void untilWithoutRetriesMakesFourAttemptsAndABadDelayIsTheUsersError() throws IOException {
        Cli.Result defaults = run("""
                - hosts: fw1
                  tasks:
                    - debug: msg=never
                      register: x
                      until: x.msg == 'done'
                      delay: 0
                """);
        assertEquals(2, defaults.exitCode(), defaults::all);
        assertTrue(defaults.out().contains("gave up after 4 attempts"), "one run plus ansible-core's 3 retries\n" + defaults.out());

        Cli.Result badDelay = run("""
                - hosts: fw1
                  tasks:
                    - debug: msg=never
                      register: x
                      until: x.msg == 'done'
                      delay: "{{ 'soon' }}"
                """);
        assertEquals(2, badDelay.exitCode(), badDelay::all);
        assertTrue(badDelay.out().contains("delay must be a number of seconds, not 'soon'"), badDelay::out);
        assertTrue(badDelay.out().contains("site.yml:3"), badDelay::out);
    }

    @Test
    void aTasksOwnCheckModeAndDiffAreWhatItsModuleAndTemplatesSee() throws IOException {
        Path forced = dir.resolve("forced");
        Cli.Result r = run("""
                - hosts: fw1
                  tasks:
                    - name: applied even under --check, diff shown without --diff
                      local_file: {path: "%s", content: "x\\n"}
                      check_mode: false
                      diff: true
                    - name: what the template sees
                      debug: msg="check={{ ansible_check_mode }} diff={{ ansible_diff_mode }}"
                      check_mode: false
                      diff: true
                    - name: the run's own modes
                      debug: msg="check={{ ansible_check_mode }} diff={{ ansible_diff_mode }}"
                """.formatted(forced), "--check");
        assertEquals(0, r.exitCode(), r::all);
        assertTrue(Files.exists(forced), "check_mode: false applies the task even under --check\n" + r.out());
        assertTrue(r.out().contains("+x"), "the task's diff: true shows its diff\n" + r.out());
        assertTrue(r.out().contains("check=False diff=True") || r.out().contains("check=false diff=true"), r::out);
        assertTrue(r.out().contains("check=True diff=False") || r.out().contains("check=true diff=false"), r::out);
    }

    @Test
    void aLongWaitSaysWhatItWaitsForAndHowFarItIs() throws IOException {
        Cli.Result r = run("""
                - hosts: fw1
                  tasks:
                    - name: a port that never opens
                      wait_for: {host: 127.0.0.1, port: 9, timeout: 2, sleep: 0.5}
                """);
        assertEquals(2, r.exitCode(), r::all);
        // not on a terminal (captured): plain lines, the first one at once, then at most one per 10 s per host
        assertTrue(r.out().contains("  ... [fw1] waiting for 127.0.0.1:9 to be open (0 s of 2 s)"), r::out);
        assertEquals(1, r.out().split("\\.\\.\\. \\[fw1\\]", -1).length - 1, r::out);
    }

    @Test
    void handlersRunOnceAtTheEndOnlyWhenNotified() throws IOException {
        Cli.Result r = run("""
                - hosts: k8s
                  tasks:
                    - name: change
                      local_file: {path: "{{ playbook_dir }}/h-{{ inventory_hostname }}", content: "1"}
                      notify: [reload]
                      when: inventory_hostname != 'k8snode1'
                    - name: change again
                      local_file: {path: "{{ playbook_dir }}/h2-{{ inventory_hostname }}", content: "1"}
                      notify: reload
                  handlers:
                    - name: reload
                      debug: msg="reloading {{ inventory_hostname }}"
                    - name: never
                      debug: msg=never
                """);
        assertEquals(0, r.exitCode(), r::all);
        assertEquals(1, r.out().split("RUNNING HANDLER \\[reload]", -1).length - 1, r::out);
        assertEquals(3, r.out().split("\"msg\": \"reloading", -1).length - 1, "once per notified host\n" + r.out());
        assertFalse(r.out().contains("RUNNING HANDLER [never]"), r::out);
        Cli.Result again = run(Files.readString(dir.resolve("site.yml")));
        assertFalse(again.out().contains("RUNNING HANDLER"), "nothing changed, nothing notified\n" + again.out());
    }

    @Test
    void tagsAndSkipTags() throws IOException {
        String pb = """
                - hosts: fw1
                  tags: [site]
                  tasks:
                    - {name: a, debug: {msg: a}, tags: [frr]}
                    - {name: b, debug: {msg: b}, tags: [k8s]}
                    - {name: c, debug: {msg: c}, tags: [always]}
                    - {name: d, debug: {msg: d}, tags: [never, debugonly]}
                """;
        Cli.Result frr = run(pb, "--tags", "frr");
        assertTrue(frr.out().contains("TASK [a]") && !frr.out().contains("TASK [b]") && frr.out().contains("TASK [c]")
                && !frr.out().contains("TASK [d]"), frr::out);
        Cli.Result skip = run(pb, "--skip-tags", "frr");
        assertTrue(!skip.out().contains("TASK [a]") && skip.out().contains("TASK [b]") && !skip.out().contains("TASK [d]"), skip::out);
        Cli.Result never = run(pb, "--tags", "debugonly");
        assertTrue(never.out().contains("TASK [d]") && !never.out().contains("TASK [a]"), never::out);
        Cli.Result all = run(pb, "--tags", "site");
        // As in Ansible, a 'never' task runs when one of its own tags (here the inherited play tag) is asked for.
        assertTrue(all.out().contains("TASK [a]") && all.out().contains("TASK [b]") && all.out().contains("TASK [d]"), all::out);
        Cli.Result none = run(pb);
        assertTrue(none.out().contains("TASK [a]") && !none.out().contains("TASK [d]"), none::out);
    }

    @Test
    void hostPatternsAndLimit() throws IOException {
        String pb = """
                - hosts: "k8s:&k8snode*:!k8snode2"
                  tasks:
                    - debug: msg=hi
                - hosts: "firewalls,k8smaster1"
                  tasks:
                    - debug: msg=second
                """;
        Cli.Result r = run(pb);
        assertEquals(0, r.exitCode(), r::all);
        assertTrue(r.out().matches("(?s).*PLAY RECAP.*k8snode1.*"), r::out);
        assertFalse(r.out().contains("[k8snode2]"), r::out);
        assertTrue(r.out().contains("ok: [fw1]") && r.out().contains("ok: [k8smaster1]"), r::out);
        Cli.Result limited = run(pb, "--limit", "~k8s(master|node1)");
        assertFalse(limited.out().contains("[fw1]"), limited::out);
        assertTrue(limited.out().contains("ok: [k8smaster1]") && limited.out().contains("ok: [k8snode1]"), limited::out);
    }

    @Test
    void runOnceRegistersForAllHostsAndImportPlaybookRunsInOrder() throws IOException {
        cli.write("other.yml", """
                - hosts: k8s
                  tasks:
                    - debug: msg="{{ shared.msg }}"
                """);
        Cli.Result r = run("""
                - hosts: k8s
                  tasks:
                    - debug: msg="computed once"
                      run_once: true
                      register: shared
                - import_playbook: other.yml
                """);
        assertEquals(0, r.exitCode(), r::all);
        String firstPlay = r.out().substring(0, r.out().indexOf("PLAY [", 5));
        assertEquals(1, firstPlay.split("computed once", -1).length - 1, "run_once ran once\n" + r.out());
        assertEquals(4, r.out().split("\"msg\": \"computed once\"", -1).length - 1, "once, then 3 hosts print it\n" + r.out());
    }

    @Test
    void inventoryListAndGraph() {
        Cli.Result graph = cli.run("inventory", "-i", dir.resolve("inventory").toString(), "--graph");
        assertEquals(0, graph.exitCode(), graph::all);
        assertTrue(graph.out().contains("@k8s:") && graph.out().contains("|--k8snode2"), graph::out);
        // ansible-inventory --graph's exact layout
        assertTrue(graph.out().startsWith("@all:\n  |--@"), graph::out);
        assertTrue(graph.out().contains("\n  |--@k8s:\n  |  |--k8smaster1\n"), graph::out);
        Cli.Result list = cli.run("inventory", "-i", dir.resolve("inventory").toString(), "--list");
        assertTrue(list.out().contains("\"k8snode1\"") && list.out().contains("\"hostvars\""), list::out);
        Cli.Result host = cli.run("inventory", "-i", dir.resolve("inventory").toString(), "--host", "k8snode2");
        assertTrue(host.out().contains("host_vars-k8snode2"), host::out);
    }
}
