package edge.yaml;

import edge.core.Location;

/**
 * One loaded YAML document: its plain value tree (maps, lists, strings, numbers, booleans, null)
 * and where each value was written.
 */
public record YamlDocument(String file, Object root, SourceMap sources) {

    public Location locate(String pointer) {
        return sources.locate(pointer);
    }
}
