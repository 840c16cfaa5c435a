package edge.yaml;

import edge.core.Location;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps a JSON Pointer into a loaded YAML document ({@code /tasks/0/name}) to where it was written,
 * so that schema and template errors found on the plain value tree can name file, line and column.
 */
public final class SourceMap {
    private final String file;
    private final Map<String, Location> keys = new HashMap<>();
    private final Map<String, Location> values = new HashMap<>();

    public SourceMap(String file) {
        this.file = file;
    }

    public String file() {
        return file;
    }

    void putKey(String pointer, Location at) {
        keys.put(pointer, at);
    }

    void putValue(String pointer, Location at) {
        values.put(pointer, at);
    }

    /** The location of the key that introduced the value at {@code pointer}, else of the value itself. */
    public Location locate(String pointer) {
        String p = pointer == null ? "" : pointer;
        while (true) {
            Location at = keys.get(p);
            if (at == null) {
                at = values.get(p);
            }
            if (at != null) {
                return at;
            }
            if (p.isEmpty()) {
                return Location.unknown(file);
            }
            int slash = p.lastIndexOf('/');
            p = slash <= 0 ? "" : p.substring(0, slash);
        }
    }

    /** The location of the value (not the key) at {@code pointer}; templates inside it are located from here. */
    public Location locateValue(String pointer) {
        Location at = values.get(pointer);
        return at != null ? at : locate(pointer);
    }

    public static String child(String pointer, String key) {
        return pointer + "/" + key.replace("~", "~0").replace("/", "~1");
    }

    public static String child(String pointer, int index) {
        return pointer + "/" + index;
    }
}
