package edge.modules.k8s;

import java.util.List;

/** One thing wrong with an object: where (keys and list indexes from the object's root) and what. */
record Violation(List<Object> path, String message) {

    /** {@code spec.addresses[0]}. */
    String pathText() {
        StringBuilder sb = new StringBuilder();
        for (Object p : path) {
            if (p instanceof Integer i) {
                sb.append('[').append(i).append(']');
            } else {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(p);
            }
        }
        return sb.toString();
    }

    String format() {
        String p = pathText();
        return p.isEmpty() ? message : p + ": " + message;
    }
}
