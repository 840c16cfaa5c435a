package edge.modules.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import edge.cli.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A project directory (inventory of three k8s nodes pointing at a cluster, playbooks) run with the in-process CLI. */
final class K8sProject {
    final Cli cli;
    final Path dir;
    private int runs;

    K8sProject(Path dir, K8sTestCluster cluster) throws IOException {
        this(dir, cluster.kubeconfig(), cluster.context());
    }

    K8sProject(Path dir, Path kubeconfig, String context) throws IOException {
        this.dir = dir;
        this.cli = new Cli(dir);
        cli.write("inventory/hosts.yml", """
                all:
                  children:
                    k8s:
                      vars:
                        k8s_kubeconfig: "%s"%s
                      hosts:
                        k8smaster1:
                        k8snode1:
                        k8snode2:
                """.formatted(kubeconfig, context == null ? "" : "\n            k8s_context: \"" + context + "\""));
    }

    /** The outcome of one run: CLI result plus the parsed JSON report. */
    record Run(Cli.Result cli, JsonNode report) {
        int exit() {
            return cli.exitCode();
        }

        String out() {
            return cli.all();
        }

        /** Results of a task (by name) on the host that ran it (not the hosts it was shared with). */
        JsonNode result(String task) {
            for (JsonNode play : report.path("plays")) {
                for (JsonNode t : play.path("tasks")) {
                    if (task.equals(t.path("name").asText())) {
                        for (JsonNode h : t.path("hosts")) {
                            if (!"skipped".equals(h.path("status").asText())) {
                                return h;
                            }
                        }
                    }
                }
            }
            throw new AssertionError("no result for task '" + task + "' in\n" + report.toPrettyString());
        }

        /** API requests of all k8s tasks of the run, by method (plus total and mutating). */
        Map<String, Long> requests() {
            Map<String, Long> sum = new TreeMap<>();
            for (JsonNode play : report.path("plays")) {
                for (JsonNode t : play.path("tasks")) {
                    for (JsonNode h : t.path("hosts")) {
                        if ("skipped".equals(h.path("status").asText())) {
                            continue;
                        }
                        h.path("result").path("api_requests").fields()
                                .forEachRemaining(e -> sum.merge(e.getKey(), e.getValue().asLong(), Long::sum));
                    }
                }
            }
            return sum;
        }

        long changedTasks() {
            return report.path("changed_tasks").asLong();
        }
    }

    Run run(String playbook, String... extra) throws IOException {
        return run(dir.resolve(playbook), extra);
    }

    /** Runs a playbook from anywhere (the project's own playbooks/site.yml) with this directory's inventory. */
    Run run(Path playbook, String... extra) throws IOException {
        Path json = dir.resolve("report-" + (++runs) + ".json");
        List<String> args = new ArrayList<>(List.of("run", "-i", dir.resolve("inventory").toString(), playbook.toString(),
                "--json", json.toString()));
        args.addAll(List.of(extra));
        Cli.Result r = cli.run(args.toArray(String[]::new));
        JsonNode report = Files.exists(json) ? new ObjectMapper().readTree(json.toFile()) : new ObjectMapper().createObjectNode();
        return new Run(r, report);
    }

    Cli.Result validate(String playbook) {
        return cli.run("validate", "-i", dir.resolve("inventory").toString(), dir.resolve(playbook).toString());
    }

    Path write(String relative, String content) throws IOException {
        return cli.write(relative, content);
    }
}
