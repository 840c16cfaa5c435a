package edge.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        public Plan plan(TaskContext ctx) {
            plans.incrementAndGet();
            return Plan.noChange(Map.of("cluster", String.valueOf(ctx.vars().get("cluster")), "ran_on", ctx.host()));
        }
    }

    @Test
    void runsOncePerClusterAndReportsTheOthersAsShared() throws Exception {
        Files.writeString(dir.resolve("hosts.yml"), """
                all:
                  children:
                    east: {vars: {cluster: east}, hosts: {e1: , e2: , e3: }}
                    west: {vars: {cluster: west}, hosts: {w1: , w2: }}
                """);
        Files.writeString(dir.resolve("site.yml"), """
                - hosts: all
                  tasks:
                    - cluster_op: {op: apply}
                      register: op
                    - assert: {that: ["op.cluster == cluster"]}
                """);
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
        assertEquals(0, outcome.exitCode(), text);
        assertEquals(2, plans.get(), "once per cluster\n" + text);
        assertEquals(3, text.split("shared system: handled on another host", -1).length - 1, text);
        assertTrue(text.matches("(?s).*PLAY RECAP.*"), text);
    }
}
