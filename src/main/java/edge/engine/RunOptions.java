package edge.engine;

import java.util.List;
import java.util.Map;

/** How a run behaves: Ansible's command-line options as a value. */
public record RunOptions(
        boolean check,
        boolean diff,
        int verbosity,
        int forks,
        String limit,
        List<String> tags,
        List<String> skipTags,
        Map<String, Object> extraVars,
        boolean detailedExitCode) {

    /** Check mode for one task: its own {@code check_mode:} wins over {@code --check}, as in Ansible. */
    public boolean checkFor(edge.playbook.Task task) {
        return task.checkMode() != null ? task.checkMode() : check;
    }

    /** Diff mode for one task: its own {@code diff:} wins over {@code --diff}. */
    public boolean diffFor(edge.playbook.Task task) {
        return task.diff() != null ? task.diff() : diff;
    }

    public static RunOptions defaults() {
        return new RunOptions(false, false, 0, 5, null, List.of(), List.of(), Map.of(), false);
    }
}
