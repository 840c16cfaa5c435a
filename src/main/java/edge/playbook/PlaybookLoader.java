package edge.playbook;

import edge.core.InputException;
import edge.core.Location;
import edge.core.Problem;
import edge.core.Problems;
import edge.engine.ModuleRegistry;
import edge.module.Module;
import edge.schema.SchemaValidator;
import edge.template.Templater;
import edge.yaml.SourceMap;
import edge.yaml.YamlDocument;
import edge.yaml.YamlLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Loads a playbook and everything it imports, and checks it completely before anything runs: YAML,
 * structure (schemas/playbook.schema.json), modules and their arguments (each module's schema),
 * template syntax, import cycles and missing files. Every problem is collected; if there is any, the
 * whole list is thrown and nothing is contacted.
 */
public final class PlaybookLoader {
    /** Task keywords; any other key of a task is its module. */
    public static final Set<String> TASK_KEYWORDS = Set.of("name", "when", "loop", "with_items", "loop_control",
            "register", "tags", "notify", "listen", "retries", "until", "delay", "ignore_errors", "no_log",
            "check_mode", "changed_when", "failed_when", "vars", "run_once", "diff");

    private static final SchemaValidator SCHEMA = SchemaValidator.forResource("playbook.schema.json");

    private final ModuleRegistry modules;
    private final Problems problems = new Problems();
    private final List<Path> importStack = new ArrayList<>();

    public PlaybookLoader(ModuleRegistry modules) {
        this.modules = modules;
    }

    public Playbook load(Path file) throws InputException {
        Playbook playbook = loadCollecting(file);
        problems.throwIfAny();
        return playbook;
    }

    /** Loads what can be loaded and keeps the problems (see {@link #problems()}), so that later checks still run. */
    public Playbook loadCollecting(Path file) {
        List<Play> plays = new ArrayList<>();
        loadInto(file, plays, null);
        return new Playbook(file, plays);
    }

    public List<Problem> problems() {
        return problems.list();
    }

    private void loadInto(Path file, List<Play> plays, Location importedAt) {
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            if (importedAt != null) {
                problems.add(importedAt, "import_playbook", "imported playbook " + file + " not found");
            } else {
                problems.add(Problem.inFile(file.toString(), "playbook not found"));
            }
            return;
        }
        if (importStack.contains(real)) {
            problems.add(importedAt, "import_playbook", "import cycle: " + cycle(real));
            return;
        }
        importStack.add(real);
        try {
            YamlDocument doc;
            try {
                doc = YamlLoader.loadFile(file);
            } catch (InputException e) {
                problems.addAll(e.problems());
                return;
            }
            List<Problem> structural = SCHEMA.validate(doc.root(), doc.sources(), "", false);
            if (!structural.isEmpty()) {
                problems.addAll(structural);
                return;
            }
            List<?> entries = (List<?>) doc.root();
            for (int i = 0; i < entries.size(); i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> entry = (Map<String, Object>) entries.get(i);
                String pointer = SourceMap.child("", i);
                if (entry.containsKey("import_playbook")) {
                    String target = String.valueOf(entry.get("import_playbook"));
                    Location at = doc.locate(SourceMap.child(pointer, "import_playbook"));
                    if (Templater.isTemplated(target)) {
                        problems.add(at, "import_playbook", "must be a plain file name, not a template");
                        continue;
                    }
                    loadInto(file.toAbsolutePath().getParent().resolve(target), plays, at);
                } else {
                    plays.add(play(entry, pointer, doc, file));
                }
            }
        } finally {
            importStack.remove(importStack.size() - 1);
        }
    }

    private String cycle(Path again) {
        StringBuilder sb = new StringBuilder();
        boolean in = false;
        for (Path p : importStack) {
            in |= p.equals(again);
            if (in) {
                sb.append(p.getFileName()).append(" -> ");
            }
        }
        return sb.append(again.getFileName()).toString();
    }

    @SuppressWarnings("unchecked")
    private Play play(Map<String, Object> raw, String pointer, YamlDocument doc, Path file) {
        Location at = doc.locate(pointer);
        Map<String, Object> vars = (Map<String, Object>) raw.getOrDefault("vars", Map.of());
        checkTemplates(vars, SourceMap.child(pointer, "vars"), doc);
        Map<String, Object> fromFiles = new LinkedHashMap<>();
        List<String> varsFiles = stringList(raw.get("vars_files"));
        for (int i = 0; i < varsFiles.size(); i++) {
            Location vat = doc.locate(SourceMap.child(SourceMap.child(pointer, "vars_files"), i));
            Path vf = file.toAbsolutePath().getParent().resolve(varsFiles.get(i));
            if (!Files.isRegularFile(vf)) {
                problems.add(vat, "vars_files", "file " + vf + " not found");
                continue;
            }
            try {
                List<YamlDocument> docs = YamlLoader.loadAll(vf);
                if (!docs.isEmpty() && docs.get(0).root() != null) {
                    YamlDocument vd = docs.get(0);
                    List<Problem> p = SchemaValidator.forResource("vars.schema.json").validate(vd.root(), vd.sources(), "", false);
                    if (!(vd.root() instanceof Map)) {
                        problems.add(vd.locate(""), "", "a vars file must be a mapping of variable names to values");
                    } else if (!p.isEmpty()) {
                        problems.addAll(p);
                    } else {
                        fromFiles.putAll((Map<String, Object>) vd.root());
                        checkTemplates(vd.root(), "", vd);
                    }
                }
            } catch (InputException e) {
                problems.addAll(e.problems());
            }
        }
        List<String> tags = stringList(raw.get("tags"));
        List<Task> tasks = tasks((List<Object>) raw.getOrDefault("tasks", List.of()), SourceMap.child(pointer, "tasks"), doc, false);
        List<Task> handlers = tasks((List<Object>) raw.getOrDefault("handlers", List.of()), SourceMap.child(pointer, "handlers"), doc, true);
        Set<String> handlerNames = new java.util.HashSet<>();
        for (Task h : handlers) {
            if (h.name() != null) {
                handlerNames.add(h.name());
            }
            handlerNames.addAll(h.listen());
        }
        for (Task t : tasks) {
            for (String n : t.notifies()) {
                if (!handlerNames.contains(n)) {
                    problems.add(t.sources().locate(SourceMap.child(t.pointer(), "notify")), "notify",
                            "no handler named '" + n + "' in this play");
                }
            }
        }
        String hosts = String.valueOf(raw.get("hosts"));
        return new Play((String) raw.get("name"), hosts, vars, fromFiles, tasks, handlers, tags, file, at,
                doc.locate(SourceMap.child(pointer, "hosts")));
    }

    private List<Task> tasks(List<Object> raw, String pointer, YamlDocument doc, boolean handlers) {
        List<Task> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> t = (Map<String, Object>) raw.get(i);
            Task task = task(t, SourceMap.child(pointer, i), doc, handlers);
            if (task != null) {
                out.add(task);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private Task task(Map<String, Object> raw, String pointer, YamlDocument doc, boolean handler) {
        Location at = doc.locate(pointer);
        List<String> moduleKeys = raw.keySet().stream().filter(k -> !TASK_KEYWORDS.contains(k)).toList();
        if (moduleKeys.isEmpty()) {
            problems.add(at, "", "task has no module; add one of: " + modules.names());
            return null;
        }
        if (moduleKeys.size() > 1) {
            List<String> known = moduleKeys.stream().filter(modules::isModule).toList();
            String hint = known.size() == 1
                    ? "unknown task keyword(s) " + moduleKeys.stream().filter(k -> !modules.isModule(k)).toList()
                    : "a task has exactly one module, found " + moduleKeys;
            for (String k : moduleKeys) {
                if (known.size() != 1 || !modules.isModule(k)) {
                    problems.add(doc.locate(SourceMap.child(pointer, k)), k, hint);
                    break;
                }
            }
            return null;
        }
        String moduleName = moduleKeys.get(0);
        Location moduleAt = doc.locate(SourceMap.child(pointer, moduleName));
        Optional<Module> module = modules.find(moduleName);
        if (module.isEmpty()) {
            String suggestion = modules.closest(moduleName).map(n -> "; did you mean '" + n + "'?").orElse("");
            problems.add(moduleAt, moduleName, "unknown module" + suggestion + " (modules: " + modules.names() + ")");
            return null;
        }
        Object args = raw.get(moduleName);
        if (args instanceof String s) {
            Map<String, Object> parsed = FreeForm.parse(s);
            if (parsed != null) {
                args = parsed;
            } else if (module.get().freeFormArgument().isPresent()) {
                args = new LinkedHashMap<>(Map.of(module.get().freeFormArgument().get(), s));
            } else {
                problems.add(moduleAt, moduleName, "arguments must be a mapping (or key=value pairs), not a plain string");
                return null;
            }
        } else if (args == null) {
            args = new LinkedHashMap<>();
        }
        String argsPointer = SourceMap.child(pointer, moduleName);
        if (!(args instanceof Map)) {
            problems.add(moduleAt, moduleName, "arguments must be a mapping of argument names to values");
            return null;
        }
        problems.addAll(SchemaValidator.forResource(module.get().schema()).validate(args, doc.sources(), argsPointer, true));
        checkTemplates(args, argsPointer, doc);
        checkTemplates(raw.get("name"), SourceMap.child(pointer, "name"), doc);
        checkTemplates(raw.get("loop"), SourceMap.child(pointer, "loop"), doc);
        checkTemplates(raw.get("with_items"), SourceMap.child(pointer, "with_items"), doc);
        checkTemplates(raw.get("vars"), SourceMap.child(pointer, "vars"), doc);
        for (String cond : List.of("when", "until", "changed_when", "failed_when")) {
            checkCondition(raw.get(cond), SourceMap.child(pointer, cond), doc);
        }
        Map<String, Object> loopControl = (Map<String, Object>) raw.getOrDefault("loop_control", Map.of());
        Object loop = raw.containsKey("loop") ? raw.get("loop") : raw.get("with_items");
        if (raw.containsKey("loop") && raw.containsKey("with_items")) {
            problems.add(doc.locate(SourceMap.child(pointer, "with_items")), "with_items", "use either loop or with_items, not both");
        }
        Object retries = raw.get("retries");
        return new Task(
                (String) raw.get("name"),
                module.get().name(),
                args,
                raw.get("when"),
                loop,
                !raw.containsKey("loop") && raw.containsKey("with_items"),
                (String) loopControl.getOrDefault("loop_var", "item"),
                loopControl.get("label"),
                (String) raw.get("register"),
                stringList(raw.get("tags")),
                stringList(raw.get("notify")),
                stringList(raw.get("listen")),
                retries instanceof Number n ? n.intValue() : (raw.containsKey("until") ? 3 : null),
                raw.get("until"),
                raw.getOrDefault("delay", 5),
                Boolean.TRUE.equals(raw.get("ignore_errors")),
                Boolean.TRUE.equals(raw.get("no_log")),
                (Boolean) raw.get("check_mode"),
                raw.get("changed_when"),
                raw.get("failed_when"),
                (Map<String, Object>) raw.getOrDefault("vars", Map.of()),
                Boolean.TRUE.equals(raw.get("run_once")),
                (Boolean) raw.get("diff"),
                at,
                pointer,
                doc.sources());
    }

    private void checkCondition(Object cond, String pointer, YamlDocument doc) {
        if (cond instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                checkCondition(list.get(i), SourceMap.child(pointer, i), doc);
            }
        } else if (cond instanceof String s) {
            String expr = Templater.isTemplated(s) ? s : "{{ " + s + " }}";
            for (String err : Templater.syntaxErrors(expr)) {
                problems.add(doc.sources().locateValue(pointer), lastKey(pointer), "template syntax error: " + err);
            }
        }
    }

    private void checkTemplates(Object value, String pointer, YamlDocument doc) {
        if (value instanceof String s) {
            for (String err : Templater.syntaxErrors(s)) {
                problems.add(doc.sources().locateValue(pointer), lastKey(pointer), "template syntax error: " + err);
            }
        } else if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> checkTemplates(v, SourceMap.child(pointer, String.valueOf(k)), doc));
        } else if (value instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                checkTemplates(l.get(i), SourceMap.child(pointer, i), doc);
            }
        }
    }

    private static String lastKey(String pointer) {
        String seg = pointer.substring(pointer.lastIndexOf('/') + 1);
        return seg.replace("~1", "/").replace("~0", "~");
    }

    static List<String> stringList(Object o) {
        if (o == null) {
            return List.of();
        }
        if (o instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        String s = String.valueOf(o);
        if (s.contains(",")) {
            return java.util.Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
        }
        return List.of(s);
    }
}
