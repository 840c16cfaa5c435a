package edge.core;

import java.util.Objects;

/**
 * A value that must never be printed, logged, shown in a diff or written to a report.
 * {@link #toString()} is masked, so accidental string concatenation cannot leak it; code that
 * really needs the value (to send it to a remote system as data) calls {@link #reveal()}.
 */
public final class Secret {
    public static final String MASK = "********";

    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    /** The clear text, for sending to the system that needs it. Never for output. */
    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    @Override
    public String toString() {
        return MASK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
