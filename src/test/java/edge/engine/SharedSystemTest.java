package edge.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.core.Redactor;
import edge.inventory.InventoryLoader;
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
    final class ClusterOp implements Module {
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
}
