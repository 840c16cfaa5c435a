package edge.output;

import edge.core.Json;
import edge.core.Redactor;
import edge.engine.HostStats;
import edge.engine.RunListener;
import edge.engine.RunOutcome;
import edge.engine.Status;
import edge.engine.TaskResult;
import edge.module.Plan;
import edge.playbook.Play;
import edge.playbook.Task;
import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ansible-style live output: PLAY / TASK banners, one line per host result, diffs with --diff,
 * results with -v, and the PLAY RECAP. Colour only when asked (a terminal, NO_COLOR unset). Every line
 * passes through the {@link Redactor}. The same display writes the log file (timestamped, no colour).
 */
public final class ConsoleDisplay implements RunListener {
    public static final String NO_LOG_MESSAGE = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";
    private static final String GREEN = "\u001b[0;32m";
    private static final String YELLOW = "\u001b[0;33m";
    private static final String RED = "\u001b[0;31m";
    private static final String CYAN = "\u001b[0;36m";
    private static final String PURPLE = "\u001b[0;35m";
    private static final String RESET = "\u001b[0m";

    private final PrintStream out;
    private final boolean color;
    private final int verbosity;
    private final boolean showDiff;
    private final boolean timestamps;
    private final Redactor redactor;
    /** On a terminal, progress is one line rewritten in place; elsewhere (a log, cron) a line now and then. */
    private final boolean liveProgress;
    private boolean liveLineShown;
    private final Map<String, Long> lastProgressNanos = new java.util.HashMap<>();
    /** Outside a terminal, one progress line per host at most this often. */
    static final long PROGRESS_EVERY_NANOS = 10_000_000_000L;

    public ConsoleDisplay(PrintStream out, boolean color, int verbosity, boolean showDiff, boolean timestamps, Redactor redactor) {
        this(out, color, verbosity, showDiff, timestamps, redactor, false);
    }

    public ConsoleDisplay(PrintStream out, boolean color, int verbosity, boolean showDiff, boolean timestamps, Redactor redactor,
                          boolean liveProgress) {
        this.out = out;
        this.color = color;
        this.verbosity = verbosity;
        this.showDiff = showDiff;
        this.timestamps = timestamps;
        this.redactor = redactor;
        this.liveProgress = liveProgress;
    }

    @Override
    public synchronized void progress(String host, Task task, String status) {
        String text = "  ... [" + host + "] " + redactor.redact(status);
        if (liveProgress) {
            out.print("\r\u001b[K" + text);
            out.flush();
            liveLineShown = true;
            return;
        }
        long now = System.nanoTime();
        Long last = lastProgressNanos.get(host);
        if (last == null || now - last >= PROGRESS_EVERY_NANOS) {
            lastProgressNanos.put(host, now);
            line(null, text);
        }
    }

    private synchronized void line(String colorCode, String text) {
        if (liveLineShown) {
            out.print("\r\u001b[K"); // the live progress line gives way to the next real line
            liveLineShown = false;
        }
        String safe = redactor.redact(text);
        for (String l : safe.split("\n", -1)) {
            String prefix = timestamps ? LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME) + " " : "";
            if (color && colorCode != null) {
                out.println(prefix + colorCode + l + RESET);
            } else {
                out.println(prefix + l);
            }
        }
        out.flush();
    }

    private static String banner(String text) {
        int width = 79;
        int stars = Math.max(3, width - text.length() - 1);
        return text + " " + "*".repeat(stars);
    }

    @Override
    public void playStart(Play play, List<String> hosts) {
        line(null, "");
        line(null, banner("PLAY [" + play.displayName() + "]"));
    }

    @Override
    public void taskStart(Task task, boolean handler) {
        synchronized (this) {
            lastProgressNanos.clear();
        }
        line(null, "");
        line(null, banner((handler ? "RUNNING HANDLER [" : "TASK [") + task.displayName() + "]"));
    }

    @Override
    public void hostResult(String host, Task task, TaskResult r) {
        if (!r.items().isEmpty()) {
            for (TaskResult item : r.items()) {
                hostLine(host, task, item);
            }
            if (r.status() == Status.FAILED) {
                line(RED, "fatal: [" + host + "]: FAILED! => " + Json.compact(Map.of("msg", task.noLog() ? NO_LOG_MESSAGE : String.valueOf(r.message()))));
            }
            return;
        }
        hostLine(host, task, r);
    }

    private void hostLine(String host, Task task, TaskResult r) {
        if (r.data().get("warnings") instanceof List<?> warnings && !task.noLog() && !"shared".equals(r.sharedWith())) {
            // Like Ansible's [WARNING]: shown at every verbosity, because they need a person's attention.
            for (Object w : warnings) {
                line(PURPLE, "[WARNING]: " + host + ": " + w);
            }
        }
        String item = r.itemLabel() == null ? "" : " => (item=" + (task.noLog() ? "None" : r.itemLabel()) + ")";
        switch (r.status()) {
            case OK -> {
                line(GREEN, "ok: [" + host + "]" + item + details(task, r));
            }
            case CHANGED -> {
                // The task's own diff: overrides --diff both ways.
                if ((task.diff() != null ? task.diff() : showDiff) && !r.diff().isEmpty() && !task.noLog()) {
                    line(null, r.diff().stripTrailing());
                }
                line(YELLOW, "changed: [" + host + "]" + item + details(task, r));
            }
            case SKIPPED -> {
                if ("shared".equals(r.sharedWith())) {
                    line(CYAN, "skipping: [" + host + "]" + item + " (shared system: handled on another host)");
                } else if (r.message() != null && !task.noLog()) {
                    line(CYAN, "skipping: [" + host + "]" + item + " (" + r.message() + ")");
                } else {
                    line(CYAN, "skipping: [" + host + "]" + item);
                }
            }
            case FAILED -> {
                Map<String, Object> shown = new LinkedHashMap<>();
                shown.put("changed", r.changed());
                shown.put("msg", task.noLog() ? NO_LOG_MESSAGE : String.valueOf(r.message()));
                if (!task.noLog() && verbosity > 0) {
                    shown.putAll(withoutDisplay(r.data()));
                }
                line(RED, "fatal: [" + host + "]" + (item.isEmpty() ? "" : item) + ": FAILED! => " + Json.compact(shown));
                if (r.ignored()) {
                    line(CYAN, "...ignoring");
                }
            }
            case UNREACHABLE -> line(RED, "fatal: [" + host + "]: UNREACHABLE! => "
                    + Json.compact(Map.of("changed", false, "msg", String.valueOf(r.message()), "unreachable", true)));
        }
        if (r.data().get(Plan.DISPLAY) instanceof List<?> lines && !task.noLog()) {
            lines.forEach(l -> line(null, String.valueOf(l)));
        }
    }

    private String details(Task task, TaskResult r) {
        if (task.noLog()) {
            return verbosity > 0 ? " => " + Json.compact(Map.of("censored", NO_LOG_MESSAGE)) : "";
        }
        if ("debug".equals(task.module())) {
            return " => " + Json.pretty(r.data());
        }
        if (verbosity > 0) {
            Map<String, Object> shown = new LinkedHashMap<>();
            shown.put("changed", r.changed());
            if (r.message() != null) {
                shown.put("msg", r.message());
            }
            shown.putAll(withoutDisplay(r.data()));
            return " => " + Json.compact(shown);
        }
        return "";
    }

    /** The table a module shows at every verbosity is not repeated in the -v details. */
    private static Map<String, Object> withoutDisplay(Map<String, Object> data) {
        if (!data.containsKey(Plan.DISPLAY)) {
            return data;
        }
        Map<String, Object> m = new LinkedHashMap<>(data);
        m.remove(Plan.DISPLAY);
        return m;
    }

    @Override
    public void warning(String message) {
        line(PURPLE, "[WARNING]: " + message);
    }

    @Override
    public void verbose(String host, String message) {
        if (verbosity > 0) {
            line(null, "<" + host + "> " + message);
        }
    }

    @Override
    public void recap(Map<String, HostStats> stats, RunOutcome outcome) {
        line(null, "");
        line(null, banner("PLAY RECAP"));
        int width = stats.keySet().stream().mapToInt(String::length).max().orElse(10) + 1;
        for (Map.Entry<String, HostStats> e : stats.entrySet()) {
            HostStats s = e.getValue();
            String c = s.failed() > 0 || s.unreachable() > 0 ? RED : s.changed() > 0 ? YELLOW : GREEN;
            line(c, String.format("%-" + width + "s: ok=%-4d changed=%-4d unreachable=%-4d failed=%-4d skipped=%-4d rescued=%-4d ignored=%d",
                    e.getKey(), s.ok(), s.changed(), s.unreachable(), s.failed(), s.skipped(), s.rescued(), s.ignored()));
        }
        line(null, "");
    }
}
