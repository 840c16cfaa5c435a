package edge.module;

import java.util.Map;

/** Applies exactly the plan it was created with; returns data to merge into the task's result. */
@FunctionalInterface
public interface ApplyAction {
    Map<String, Object> apply() throws ModuleException;
}
