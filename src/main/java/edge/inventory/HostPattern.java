package edge.inventory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Ansible host patterns, used by plays' {@code hosts:} and by {@code --limit}: host and group names,
 * {@code all} / {@code *}, globs ({@code k8s*}), regexes ({@code ~node[12]}), unions ({@code a:b} or
 * {@code a,b}), intersections ({@code a:&b}) and exclusions ({@code a:!b}). As in Ansible, the union of
 * the plain terms is taken first, then intersections, then exclusions.
 */
public record HostPattern(String text, List<Term> terms) {

    public enum Op { UNION, INTERSECT, EXCLUDE }

    public record Term(Op op, String expr) {
    }

    public static HostPattern parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty host pattern");
        }
        List<Term> terms = new ArrayList<>();
        for (String raw : text.split("[:,]")) {
            String t = raw.strip();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("empty term in host pattern '" + text + "'");
            }
            Op op = Op.UNION;
            if (t.startsWith("&")) {
                op = Op.INTERSECT;
                t = t.substring(1);
            } else if (t.startsWith("!")) {
                op = Op.EXCLUDE;
                t = t.substring(1);
            }
            if (t.isEmpty()) {
                throw new IllegalArgumentException("'&' or '!' without a name in host pattern '" + text + "'");
            }
            if (t.startsWith("~")) {
                try {
                    Pattern.compile(t.substring(1));
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("bad regular expression '" + t + "' in host pattern: " + e.getDescription());
                }
            }
            terms.add(new Term(op, t));
        }
        if (terms.stream().allMatch(term -> term.op() != Op.UNION)) {
            // "!k8snode2" alone means "all but k8snode2", as in Ansible's --limit.
            terms.add(0, new Term(Op.UNION, "all"));
        }
        return new HostPattern(text, List.copyOf(terms));
    }

    /** Hosts matched, in inventory order (localhost last if named explicitly). */
    public List<String> resolve(Inventory inventory) {
        Set<String> result = new LinkedHashSet<>();
        for (Term t : terms) {
            if (t.op() == Op.UNION) {
                result.addAll(match(inventory, t.expr()));
            }
        }
        for (Term t : terms) {
            if (t.op() == Op.INTERSECT) {
                result.retainAll(match(inventory, t.expr()));
            }
        }
        for (Term t : terms) {
            if (t.op() == Op.EXCLUDE) {
                match(inventory, t.expr()).forEach(result::remove);
            }
        }
        return new ArrayList<>(result);
    }

    /** The terms that match no host at all: almost always a typo, reported at validate time. */
    public List<String> unmatchedTerms(Inventory inventory) {
        List<String> out = new ArrayList<>();
        for (Term t : terms) {
            if (match(inventory, t.expr()).isEmpty() && !isEmptyGroup(inventory, t.expr())) {
                out.add(t.expr());
            }
        }
        return out;
    }

    private static boolean isEmptyGroup(Inventory inventory, String expr) {
        return inventory.groups().containsKey(expr);
    }

    static List<String> match(Inventory inventory, String expr) {
        if ("all".equals(expr) || "*".equals(expr)) {
            return inventory.hostsOf("all").isEmpty() ? new ArrayList<>(inventory.hosts().keySet()) : allHosts(inventory);
        }
        if (inventory.groups().containsKey(expr)) {
            return inventory.hostsOf(expr);
        }
        if (inventory.hasHost(expr)) {
            return List.of(expr);
        }
        Pattern p;
        if (expr.startsWith("~")) {
            p = Pattern.compile(expr.substring(1));
        } else if (expr.contains("*") || expr.contains("?") || expr.contains("[")) {
            p = Pattern.compile(globToRegex(expr));
        } else {
            return List.of();
        }
        Set<String> out = new LinkedHashSet<>();
        // Ansible matches ~regex with re.match (anchored at the start only) and globs in full.
        boolean regex = expr.startsWith("~");
        for (String g : inventory.groups().keySet()) {
            if (regex ? p.matcher(g).lookingAt() : p.matcher(g).matches()) {
                out.addAll(inventory.hostsOf(g));
            }
        }
        for (String h : inventory.hosts().keySet()) {
            if (regex ? p.matcher(h).lookingAt() : p.matcher(h).matches()) {
                out.add(h);
            }
        }
        return new ArrayList<>(out);
    }

    private static List<String> allHosts(Inventory inventory) {
        Set<String> all = new LinkedHashSet<>(inventory.hostsOf("all"));
        all.addAll(inventory.hosts().keySet());
        return new ArrayList<>(all);
    }

    private static String globToRegex(String glob) {
        StringBuilder sb = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                case '[', ']' -> sb.append(c);
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return sb.toString();
    }
}
