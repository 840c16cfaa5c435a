package edge.playbook;

import edge.core.Location;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** One play: a host pattern, variables, tasks and handlers. vars_files are already loaded into {@code varsFromFiles}. */
public record Play(
        String name,
        String hosts,
        Map<String, Object> vars,
        Map<String, Object> varsFromFiles,
        List<Task> tasks,
        List<Task> handlers,
        List<String> tags,
        Path file,
        Location at,
        Location hostsAt) {

    public String displayName() {
        return name != null && !name.isBlank() ? name : hosts;
    }
}
