package edge.template;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds, before a run contacts anything, the {@code lookup('env', ...)} and {@code lookup('file', ...)}
 * in a value that would fail when the run renders it: a literal name with no default (no third
 * argument, no {@code | default(...)} right after it) whose variable is unset or whose file cannot be
 * read. A run would otherwise change the cluster and only then fail at the firewall's task for a
 * missing password.
 */
public final class UnresolvedLookups {
    private static final Pattern LITERAL_LOOKUP = Pattern.compile(
            "lookup\\(\\s*(['\"])(env|file)\\1\\s*,\\s*(['\"])([^'\"]*)\\3\\s*\\)(?!\\s*\\|\\s*(?:default|d)\\b)");

    private UnresolvedLookups() {
    }

    /** What would fail in {@code value} (strings at any depth), one message per lookup, in order. */
    public static List<String> in(Object value, Path baseDir) {
        Set<String> out = new LinkedHashSet<>();
        collect(value, baseDir, out);
        return new ArrayList<>(out);
    }

    private static void collect(Object value, Path baseDir, Set<String> out) {
        if (value instanceof String s) {
            if (!s.contains("lookup")) {
                return;
            }
            Matcher m = LITERAL_LOOKUP.matcher(s);
            while (m.find()) {
                String kind = m.group(2);
                String name = m.group(4);
                try {
                    Lookups.withBaseDir(baseDir, () -> Lookups.lookup(kind, name));
                } catch (Lookups.LookupFailure e) {
                    out.add(e.getMessage());
                }
            }
        } else if (value instanceof Map<?, ?> map) {
            map.values().forEach(v -> collect(v, baseDir, out));
        } else if (value instanceof List<?> list) {
            list.forEach(v -> collect(v, baseDir, out));
        }
    }
}
