package edge.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** What the run knows of one host: its facts (set_fact, register), whether it failed, and pending handlers. */
final class HostState {
    final String name;
    final Map<String, Object> inventoryVars;
    /** set_fact and register results: rendered values, kept across plays as in Ansible. */
    final Map<String, Object> facts = Collections.synchronizedMap(new LinkedHashMap<>());
    final Set<String> notified = Collections.synchronizedSet(new LinkedHashSet<>());
    volatile boolean failed;
    volatile boolean unreachable;

    HostState(String name, Map<String, Object> inventoryVars) {
        this.name = name;
        this.inventoryVars = inventoryVars;
    }

    boolean active() {
        return !failed && !unreachable;
    }
}
