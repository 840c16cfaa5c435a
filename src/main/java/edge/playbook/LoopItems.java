package edge.playbook;

import edge.playbook.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's {@code loop}/{@code with_items}, evaluated, as the variables each item binds: the loop
 * variable ({@code item}, or {@code loop_control.loop_var}) and {@code ansible_loop}. One place for it,
 * so that a task run and a {@code preflight} rule checked before the run see the same items.
 */
public final class LoopItems {
    private LoopItems() {
    }

    /** Thrown when the loop's value is not a list. */
    public static final class NotAList extends Exception {
        NotAList(Object value) {
            super("loop must evaluate to a list, got " + typeName(value), null, false, false);
        }
    }

    /** One binding per item, in order; {@code with_items} flattens one level ([[1, 2], [3]] gives three items). */
    public static List<Map<String, Object>> bindings(Task task, Object evaluated) throws NotAList {
        if (!(evaluated instanceof List<?> list)) {
            throw new NotAList(evaluated);
        }
        List<?> items = task.flattenLoop() ? flattenOnce(list) : list;
        List<Map<String, Object>> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Map<String, Object> vars = new LinkedHashMap<>();
            vars.put(task.loopVar(), items.get(i));
            vars.put("ansible_loop", Map.of("index", i + 1, "index0", i, "first", i == 0,
                    "last", i == items.size() - 1, "length", items.size()));
            out.add(vars);
        }
        return out;
    }

    private static List<Object> flattenOnce(List<?> list) {
        List<Object> out = new ArrayList<>();
        for (Object o : list) {
            if (o instanceof List<?> inner) {
                out.addAll(inner);
            } else {
                out.add(o);
            }
        }
        return out;
    }

    private static String typeName(Object o) {
        return o == null ? "null" : o instanceof String ? "a string" : o instanceof Map ? "a mapping" : o.getClass().getSimpleName();
    }
}
