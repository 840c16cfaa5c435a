package edge.engine;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Ansible's --tags / --skip-tags selection, with the special tags always, never, tagged, untagged and all. */
record TagFilter(List<String> only, List<String> skip) {

    boolean selects(Set<String> taskTags) {
        Set<String> tags = new HashSet<>(taskTags);
        if (!skip.isEmpty()) {
            if (skip.contains("tagged") && !tags.isEmpty() || skip.contains("untagged") && tags.isEmpty()) {
                return false;
            }
            for (String s : skip) {
                if (tags.contains(s)) {
                    return false;
                }
            }
        }
        if (only.isEmpty()) {
            return !tags.contains("never");
        }
        if (tags.contains("always")) {
            return true;
        }
        if (only.contains("all") && !tags.contains("never")) {
            return true;
        }
        if (only.contains("tagged") && !tags.isEmpty() || only.contains("untagged") && tags.isEmpty()) {
            return true;
        }
        for (String t : only) {
            if (tags.contains(t)) {
                return true;
            }
        }
        return false;
    }
}
