package edge.core;

/** Where a value came from: a file and a 1-based line and column (0 when unknown). */
public record Location(String file, int line, int column) {
    public static Location unknown(String file) {
        return new Location(file, 0, 0);
    }

    public String format() {
        return line > 0 ? file + ":" + line : file;
    }

    @Override
    public String toString() {
        return format();
    }
}
