package edge.inventory;

import edge.core.Location;
import java.util.Map;

/**
 * Where each inventory variable was written, per level of precedence: owner (a group or a host) ->
 * variable name -> location. Lets an error about a variable's value name the file and line.
 */
record VariableSources(Map<String, Map<String, Location>> groupVars, Map<String, Map<String, Location>> groupVarsFiles,
                       Map<String, Map<String, Location>> hostVars, Map<String, Map<String, Location>> hostVarsFiles) {

    Location of(Map<String, Map<String, Location>> level, String owner, String name) {
        Map<String, Location> m = level.get(owner);
        return m == null ? null : m.get(name);
    }
}
