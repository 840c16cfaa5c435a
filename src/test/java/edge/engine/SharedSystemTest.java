package edge.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.core.Redactor;
import edge.inventory.InventoryLoader;
import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.RunResources;
import edge.module.SharedSystem;
import edge.module.TaskContext;
import edge.modules.Modules;
import edge.playbook.PlaybookLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A module acting on a system shared by several hosts runs once per distinct system, not once per host. */
class SharedSystemTest {
    @TempDir
    Path dir;

    final AtomicInteger plans = new AtomicInteger();

    /** "cluster_op": the cluster is named by the host's 'cluster' variable. */
    final class ClusterOp implements Module, SharedSystem {
        @Override
        public String name() {
            return "cluster_op";
        }

        @Override
        public String schema() {
            return "modules/set_fact.json";
        }

        @Override
        public Optional<String> sharedSystem(TaskContext ctx) {
            return Optional.of("cluster:" + ctx.vars().get("cluster"));
        }

        @Override
        public Plan plan(TaskContext ctx) throws ModuleException {
            plans.incrementAndGet();
            if ("broken".equals(String.valueOf(ctx.vars().get("cluster")))) {
                throw new ModuleException("cluster broken is down");
            }
            return Plan.noChange(Map.of("cluster", String.valueOf(ctx.vars().get("cluster")), "ran_on", ctx.host()));
        }
    }

    private String run(String hosts, String playbook, int expectedExit) throws Exception {
        Files.writeString(dir.resolve("hosts.yml"), hosts);
        Files.writeString(dir.resolve("site.yml"), playbook);
        ModuleRegistry modules = Modules.all().register(new ClusterOp());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Redactor redactor = new Redactor();
        RunOptions options = new RunOptions(false, false, 0, 5, null, List.of(), List.of(), Map.of(), false);
        RunOutcome outcome;
        try (RunResources resources = new RunResources()) {
            outcome = new Runner(InventoryLoader.load(dir.resolve("hosts.yml")),
                    new PlaybookLoader(modules).load(dir.resolve("site.yml")), modules, options,
                    new edge.output.ConsoleDisplay(new PrintStream(out, true, StandardCharsets.UTF_8), false, 0, false, false, redactor),
                    redactor, resources).run();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(expectedExit, outcome.exitCode(), text);
        return text;
    }

    @Test
    void aFailureOnTheSharedSystemStopsEveryHostOfIt() throws Exception {
        String text = run("""
                all:
                  children:
                    east: {vars: {cluster: broken}, hosts: {e1: , e2: }}
                    west: {vars: {cluster: west}, hosts: {w1: }}
                """, """
                - hosts: all
                  tasks:
                    - cluster_op: {op: apply}
                    - debug: msg=after
                """, RunOutcome.HOST_FAILED);
        assertTrue(text.contains("fatal: [e1]") && text.contains("fatal: [e2]"), text);
        assertTrue(text.contains("the same task failed on the shared system from another host"), text);
        String after = text.substring(text.indexOf("TASK [debug]"));
        assertTrue(after.contains("ok: [w1]") && !after.contains("[e2]"), text);
    }

    @Test
    void aHostVariableThatCannotBeRenderedIsTheUsersErrorNotAnInternalOne() throws Exception {
        String text = run("""
                all:
                  hosts:
                    e1: {cluster: "{{ lookup('env', 'EDGE_SURELY_UNSET_VARIABLE') }}"}
                """, """
                - hosts: all
                  tasks:
                    - cluster_op: {op: apply}
                """, RunOutcome.HOST_FAILED);
        assertTrue(text.contains("EDGE_SURELY_UNSET_VARIABLE is not set"), text);
        assertFalse(text.contains("internal error"), text);
        assertEquals(0, plans.get(), "a shared system that cannot be named is an error, not a reason to run on every host");
    }

    @Test
    void runsOncePerClusterAndReportsTheOthersAsShared() throws Exception {
        String text = run("""
                all:
                  children:
                    east: {vars: {cluster: east}, hosts: {e1: , e2: , e3: }}
                    west: {vars: {cluster: west}, hosts: {w1: , w2: }}
                """, """
                - hosts: all
                  tasks:
                    - cluster_op: {op: apply}
                      register: op
                    - assert: {that: ["op.cluster == cluster"]}
                """, 0);
        assertEquals(2, plans.get(), "once per cluster\n" + text);
        assertEquals(3, text.split("shared system: handled on another host", -1).length - 1, text);
        assertTrue(text.contains("ok: [e1]") && text.contains("ok: [w1]"), "the first host of each cluster runs it\n" + text);
    }

    /**
     * The host that claims a shared-system task fails in a way that raises (an undefined variable in
     * failed_when): the other hosts of that cluster must get its result, not wait for ever. Through the
     * CLI, with the real k8s_facts module (its cluster cannot be read, which fails the task, and then
     * failed_when raises), with a bounded wait.
     */
    @Test
    void whenTheClaimingHostRaisesTheOtherHostsOfTheSystemStillFinish() throws Exception {
        edge.cli.Cli cli = new edge.cli.Cli(dir);
        cli.write("inventory/hosts.yml", """
                all:
                  vars: {k8s_kubeconfig: "@DIR@/no-such-kubeconfig"}
                  hosts: {n1: , n2: , n3: }
                """.replace("@DIR@", dir.toString()));
        cli.write("site.yml", """
                - hosts: all
                  tasks:
                    - name: facts with a broken failed_when
                      k8s_facts: {}
                      failed_when: "{{ no_such_variable }}"
                    - debug: msg=never
                """);
        edge.cli.Cli.Result r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                () -> cli.playbook("run", "site.yml"));
        assertEquals(edge.cli.ExitCodes.HOST_FAILED, r.exitCode(), r::all);
        assertTrue(r.out().contains("fatal: [n1]") && r.out().contains("'no_such_variable' is undefined"), r::out);
        assertTrue(r.out().contains("fatal: [n2]") && r.out().contains("fatal: [n3]"), r::out);
        assertTrue(r.out().contains("PLAY RECAP"), r::out);
        assertFalse(r.out().contains("ok: [n"), r::out);
    }

    @Test
    void resultsArePrintedInInventoryOrderWhateverOrderHostsFinishIn() throws Exception {
        edge.cli.Cli cli = new edge.cli.Cli(dir);
        cli.write("inventory/hosts.yml", "all:\n  hosts: {h1: {pause: 0.6}, h2: {pause: 0.3}, h3: {pause: 0}, h4: {pause: 0.1}}\n");
        // The hosts listed first wait longest (port 1 is closed, so only the delay counts): they finish last.
        cli.write("site.yml", """
                - hosts: all
                  tasks:
                    - name: sleeps
                      wait_for: {host: 127.0.0.1, port: 1, state: stopped, timeout: 5, delay: "{{ pause }}"}
                """);
        for (int i = 0; i < 3; i++) {
            edge.cli.Cli.Result r = cli.playbook("run", "site.yml");
            assertEquals(0, r.exitCode(), r::all);
            String task = r.out().substring(r.out().indexOf("TASK [sleeps]"), r.out().indexOf("PLAY RECAP"));
            assertTrue(task.indexOf("[h1]") < task.indexOf("[h2]") && task.indexOf("[h2]") < task.indexOf("[h3]")
                    && task.indexOf("[h3]") < task.indexOf("[h4]"), task);
        }
    }
}
