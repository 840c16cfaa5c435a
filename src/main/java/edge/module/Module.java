package edge.module;

import java.util.List;
import java.util.Optional;

/**
 * A module manages one kind of thing. Its contract makes idempotence and check mode structural:
 * {@link #plan} reads the current state and returns a {@link Plan} (the changes, a human diff, and
 * the action that applies exactly those changes). The engine applies the plan only when it has
 * changes and the run is not in check mode; a module that finds nothing to change never writes.
 */
public interface Module {

    /** The name written in a task, e.g. {@code debug} or {@code pfsense_frr_bgp}. */
    String name();

    /** Other accepted names (Ansible's fully qualified names like {@code ansible.builtin.debug}). */
    default List<String> aliases() {
        return List.of();
    }

    /** The JSON Schema of the arguments, a resource path under {@code schemas/}: {@code modules/<name>.json}. */
    default String schema() {
        return "modules/" + name() + ".json";
    }

    /** For {@code debug: msg=hello}: the argument that a bare free-form string maps to, if any. */
    default Optional<String> freeFormArgument() {
        return Optional.empty();
    }

    /**
     * Checks beyond the JSON schema, before anything runs: cross-field rules, values the schema cannot
     * express, consistency with other tasks of the playbook. Must not contact anything.
     */
    default List<edge.core.Problem> validate(ValidationContext ctx) {
        return List.of();
    }

    /**
     * Reads the current state and computes what to change. Must not change anything: {@code --check}
     * stops after this call.
     */
    Plan plan(TaskContext ctx) throws ModuleException;
}
