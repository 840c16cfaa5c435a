package edge.output;

import edge.core.Json;
import edge.core.Redactor;
import edge.engine.HostStats;
import edge.engine.RunListener;
import edge.engine.RunOutcome;
import edge.engine.TaskResult;
import edge.playbook.Play;
import edge.playbook.Task;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --json FILE}: a machine-readable report of the run for monitoring: per play, task and host the
 * status, changed flag, diff, message and duration, then the recap and exit code. Written atomically
 * (temp file + rename) and redacted like every other output.
 */
public final class JsonReport implements RunListener {
    private final Path file;
    private final Redactor redactor;
    private final Map<String, Object> report = new LinkedHashMap<>();
    private final List<Map<String, Object>> plays = new ArrayList<>();
    private final Instant started = Instant.now();
    private Map<String, Object> currentPlay;
    private final Map<Task, Map<String, Object>> tasks = new LinkedHashMap<>();

    public JsonReport(Path file, Redactor redactor, Map<String, Object> header) {
        this.file = file;
        this.redactor = redactor;
        report.put("edge_report_version", 1);
        report.putAll(header);
        report.put("started", started.toString());
        report.put("plays", plays);
    }

    @Override
    public synchronized void playStart(Play play, List<String> hosts) {
        currentPlay = new LinkedHashMap<>();
        currentPlay.put("name", play.displayName());
        currentPlay.put("hosts", hosts);
        currentPlay.put("tasks", new ArrayList<Map<String, Object>>());
        plays.add(currentPlay);
        tasks.clear();
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized void taskStart(Task task, boolean handler) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("name", task.displayName());
        t.put("module", task.module());
        t.put("handler", handler);
        t.put("location", task.at().format());
        t.put("hosts", new LinkedHashMap<String, Object>());
        ((List<Map<String, Object>>) currentPlay.get("tasks")).add(t);
        tasks.put(task, t);
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized void hostResult(String host, Task task, TaskResult r) {
        Map<String, Object> t = tasks.get(task);
        if (t != null) {
            ((Map<String, Object>) t.get("hosts")).put(host, describe(task, r));
        }
    }

    private Map<String, Object> describe(Task task, TaskResult r) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", r.status().name().toLowerCase());
        h.put("changed", r.changed());
        if (r.ignored()) {
            h.put("ignored", true);
        }
        if (!r.changes().isEmpty()) {
            // What the plan does, counted by action: {"update": 2, "delete": 1}.
            Map<String, Integer> operations = new java.util.TreeMap<>();
            r.changes().forEach(c -> operations.merge(c.action().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum));
            h.put("operations", operations);
        }
        if (task.noLog()) {
            h.put("censored", ConsoleDisplay.NO_LOG_MESSAGE);
        } else {
            if (r.message() != null) {
                h.put("msg", r.message());
            }
            if (!r.diff().isEmpty()) {
                h.put("diff", r.diff());
            }
            if (!r.data().isEmpty()) {
                h.put("result", r.data());
            }
        }
        if (r.itemLabel() != null) {
            h.put("item", task.noLog() ? null : r.itemLabel());
        }
        h.put("duration_ms", r.duration().toMillis());
        if (!r.items().isEmpty()) {
            List<Object> items = new ArrayList<>();
            for (TaskResult i : r.items()) {
                items.add(describe(task, i));
            }
            h.put("items", items);
        }
        return h;
    }

    @Override
    public synchronized void recap(Map<String, HostStats> stats, RunOutcome outcome) {
        Map<String, Object> recap = new LinkedHashMap<>();
        stats.forEach((host, s) -> recap.put(host, Map.of("ok", s.ok(), "changed", s.changed(), "unreachable", s.unreachable(),
                "failed", s.failed(), "skipped", s.skipped(), "rescued", s.rescued(), "ignored", s.ignored())));
        report.put("recap", recap);
        report.put("finished", Instant.now().toString());
        report.put("exit_code", outcome.exitCode());
        report.put("changed_tasks", outcome.changedTasks());
        write();
    }

    /** Also called when the run stops early (validation error, lock), so monitoring always has a report. */
    public synchronized void writeFailure(int exitCode, List<String> errors) {
        report.put("finished", Instant.now().toString());
        report.put("exit_code", exitCode);
        report.put("errors", errors);
        write();
    }

    private void write() {
        try {
            Path abs = file.toAbsolutePath();
            Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
            Files.writeString(tmp, redactor.redact(Json.pretty(report)) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("edge: cannot write the JSON report " + file + ": " + e.getMessage());
        }
    }
}
