package edge.playbook;

import edge.core.Location;
import edge.yaml.SourceMap;
import java.util.List;
import java.util.Map;

/**
 * One task (or handler) as written: the module and its raw (untemplated) arguments plus Ansible's
 * task keywords. {@code pointer} locates it in {@code sources} for error messages.
 */
public record Task(
        String name,
        String module,
        Object args,
        Object when,
        Object loop,
        boolean flattenLoop,
        String loopVar,
        Object loopLabel,
        String register,
        List<String> tags,
        List<String> notifies,
        List<String> listen,
        Integer retries,
        Object until,
        Object delay,
        boolean ignoreErrors,
        boolean noLog,
        Boolean checkMode,
        Object changedWhen,
        Object failedWhen,
        Map<String, Object> vars,
        boolean runOnce,
        Boolean diff,
        Location at,
        String pointer,
        SourceMap sources) {

    /** A task the engine itself runs (committing staged changes), shown like any other. */
    public static Task synthetic(String name, String module, Location at) {
        return new Task(name, module, Map.of(), null, null, false, "item", null, null, List.of(), List.of(), List.of(), null, null, 0,
                false, false, null, null, null, Map.of(), false, null, at, "", new SourceMap(at.file()));
    }

    /** The same task with its name rendered for display (names may use variables, as in Ansible). */
    public Task withName(String rendered) {
        return new Task(rendered, module, args, when, loop, flattenLoop, loopVar, loopLabel, register, tags, notifies, listen, retries, until,
                delay, ignoreErrors, noLog, checkMode, changedWhen, failedWhen, vars, runOnce, diff, at, pointer, sources);
    }

    /** What the output shows: the name, else the module (as Ansible does). */
    public String displayName() {
        return name != null && !name.isBlank() ? name : module;
    }
}
