package edge.playbook;

import java.util.LinkedHashMap;
import java.util.Map;

/** Ansible's free-form {@code key=value} argument strings: {@code debug: msg="hello world" verbosity=1}. */
final class FreeForm {
    private FreeForm() {
    }

    /** Parsed arguments, or null when the string is not in k=v form. */
    static Map<String, Object> parse(String s) {
        Map<String, Object> out = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int eq = s.indexOf('=', i);
            if (eq < 0) {
                return null;
            }
            String key = s.substring(i, eq);
            if (!key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                return null;
            }
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            char quote = 0;
            int braces = 0;
            while (i < n) {
                char c = s.charAt(i);
                if (quote != 0) {
                    if (c == quote) {
                        quote = 0;
                    } else if (c == '\\' && i + 1 < n) {
                        value.append(s.charAt(++i));
                    } else {
                        value.append(c);
                    }
                } else if ((c == '"' || c == '\'') && braces == 0) {
                    quote = c;
                } else if (Character.isWhitespace(c) && braces == 0) {
                    break;
                } else {
                    if (c == '{') {
                        braces++;
                    } else if (c == '}') {
                        braces--;
                    }
                    value.append(c);
                }
                i++;
            }
            out.put(key, value.toString());
        }
        return out;
    }
}
