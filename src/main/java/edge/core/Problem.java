package edge.core;

/**
 * One thing wrong with the user's input, located precisely enough to fix it:
 * {@code file:line:column: key: message}. Line and column are 1-based; 0 means unknown.
 */
public record Problem(String file, int line, int column, String key, String message) {

    public static Problem at(Location location, String key, String message) {
        return new Problem(location.file(), location.line(), location.column(), key, message);
    }

    public static Problem inFile(String file, String message) {
        return new Problem(file, 0, 0, "", message);
    }

    /** The one-line form users see, like a compiler error. */
    public String format() {
        StringBuilder sb = new StringBuilder(file == null || file.isEmpty() ? "<input>" : file);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        sb.append(": ");
        if (key != null && !key.isEmpty()) {
            sb.append(key).append(": ");
        }
        sb.append(message.replace('\n', ' ').strip());
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
