package edge.inventory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ansible's host ranges: {@code k8snode[1:2]}, {@code web[01:10]} (zero padded), {@code db-[a:c]},
 * {@code node[0:10:2]} (with a stride). A name without brackets expands to itself.
 */
final class HostRange {
    private static final Pattern RANGE = Pattern.compile("\\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::([0-9]+))?]");

    private HostRange() {
    }

    static List<String> expand(String name) {
        Matcher m = RANGE.matcher(name);
        if (!m.find()) {
            return List.of(name);
        }
        String head = name.substring(0, m.start());
        String tail = name.substring(m.end());
        String from = m.group(1);
        String to = m.group(2);
        int stride = m.group(3) == null ? 1 : Integer.parseInt(m.group(3));
        if (stride < 1) {
            throw new IllegalArgumentException("range stride must be at least 1 in '" + name + "'");
        }
        List<String> middles = new ArrayList<>();
        if (from.chars().allMatch(Character::isDigit) && to.chars().allMatch(Character::isDigit)) {
            int a = Integer.parseInt(from);
            int b = Integer.parseInt(to);
            if (a > b) {
                throw new IllegalArgumentException("range start is after its end in '" + name + "'");
            }
            boolean padded = from.length() > 1 && from.startsWith("0");
            for (int i = a; i <= b; i += stride) {
                middles.add(padded ? String.format("%0" + from.length() + "d", i) : Integer.toString(i));
            }
        } else if (from.length() == 1 && to.length() == 1 && Character.isLetter(from.charAt(0)) && Character.isLetter(to.charAt(0))) {
            char a = from.charAt(0);
            char b = to.charAt(0);
            if (a > b) {
                throw new IllegalArgumentException("range start is after its end in '" + name + "'");
            }
            for (char c = a; c <= b; c += (char) stride) {
                middles.add(String.valueOf(c));
            }
        } else {
            throw new IllegalArgumentException("a range is [start:end] of numbers or single letters, not '" + m.group() + "'");
        }
        List<String> names = new ArrayList<>();
        for (String middle : middles) {
            for (String rest : expand(tail)) {
                names.add(head + middle + rest);
            }
        }
        return names;
    }
}
