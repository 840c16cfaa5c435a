package edge.engine;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import edge.core.Json;
import edge.core.Secret;
import edge.module.Change;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns a plan's changes into the text {@code --diff} shows: one line per field
 * ({@code ~ path: before -> after}, {@code + path: value}, {@code - path: value}) and a unified diff
 * for multi-line text. Secret changes show only the mask.
 */
public final class DiffRenderer {
    private DiffRenderer() {
    }

    public static String render(List<Change> changes) {
        StringBuilder sb = new StringBuilder();
        for (Change c : changes) {
            if (c.note() != null && c.before() == null && c.after() == null) {
                String sign = switch (c.action()) {
                    case CREATE, RUN -> "+ ";
                    case DELETE -> "- ";
                    case UPDATE -> "~ ";
                };
                sb.append(sign).append(c.path()).append(": ").append(c.note()).append('\n');
                continue;
            }
            Object before = c.secret() && c.before() != null ? Secret.MASK : c.before();
            Object after = c.secret() && c.after() != null ? Secret.MASK : c.after();
            if (!c.secret() && (isMultiline(before) || isMultiline(after))
                    && (before == null || before instanceof String) && (after == null || after instanceof String)) {
                sb.append(unified(c.path(), (String) before, (String) after));
            } else if (before == null) {
                sb.append("+ ").append(c.path()).append(": ").append(show(after)).append('\n');
            } else if (after == null) {
                sb.append("- ").append(c.path()).append(": ").append(show(before)).append('\n');
            } else if (c.secret()) {
                sb.append("~ ").append(c.path()).append(": ").append(Secret.MASK).append(" (changed)\n");
            } else {
                sb.append("~ ").append(c.path()).append(": ").append(show(before)).append(" -> ").append(show(after)).append('\n');
            }
        }
        return sb.toString();
    }

    private static boolean isMultiline(Object o) {
        return o instanceof String s && s.contains("\n");
    }

    private static String unified(String path, String before, String after) {
        List<String> a = before == null ? List.of() : Arrays.asList(before.split("\n", -1));
        List<String> b = after == null ? List.of() : Arrays.asList(after.split("\n", -1));
        Patch<String> patch = DiffUtils.diff(a, b);
        List<String> lines = UnifiedDiffUtils.generateUnifiedDiff("before: " + path, "after: " + path, a, patch, 3);
        return String.join("\n", lines) + "\n";
    }

    static String show(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return s.isEmpty() ? "\"\"" : (s.contains("\n") ? "\"" + s.replace("\n", "\\n") + "\"" : s);
        }
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
            return Json.compact(v);
        }
        return String.valueOf(v);
    }
}
