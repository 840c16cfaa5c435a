package edge.playbook;

import java.nio.file.Path;
import java.util.List;

/** A playbook with its {@code import_playbook}s flattened, in execution order. */
public record Playbook(Path file, List<Play> plays) {
    public Path dir() {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }
}
