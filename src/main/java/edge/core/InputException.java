package edge.core;

import java.util.List;

/**
 * The user's input (YAML, schema, templates, patterns, CLI values) is wrong. Carries every
 * problem found, so that all of them can be reported at once; never shown as a stack trace.
 */
public class InputException extends Exception {
    private final List<Problem> problems;

    public InputException(List<Problem> problems) {
        super(problems.isEmpty() ? "invalid input" : problems.get(0).format(), null, false, false);
        this.problems = List.copyOf(problems);
    }

    public InputException(Problem problem) {
        this(List.of(problem));
    }

    public List<Problem> problems() {
        return problems;
    }
}
