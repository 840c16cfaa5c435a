package edge.core;

import java.util.ArrayList;
import java.util.List;

/** Collects problems during validation so that every error is reported in one go. */
public final class Problems {
    private final List<Problem> list = new ArrayList<>();

    public void add(Problem p) {
        list.add(p);
    }

    public void add(Location at, String key, String message) {
        list.add(Problem.at(at, key, message));
    }

    public void addAll(List<Problem> problems) {
        list.addAll(problems);
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    public List<Problem> list() {
        return List.copyOf(list);
    }

    /** Throws when anything was collected; a no-op otherwise. */
    public void throwIfAny() throws InputException {
        if (!list.isEmpty()) {
            throw new InputException(list);
        }
    }
}
