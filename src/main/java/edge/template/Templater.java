package edge.template;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.FatalTemplateErrorsException;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.UnknownTokenException;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2 templating of any string value, on Jinjava (a real Jinja engine). Follows Ansible where it
 * matters to users: a string that is one expression ({@code "{{ groups['k8s'] }}"}) keeps its native
 * type (list, map, number); {@code when:} is a bare expression; an undefined variable is an error
 * (unless guarded by {@code default} or {@code is defined}); {@code lookup('env'|'file', ...)} works.
 */
public final class Templater {
    private static final Pattern SINGLE_EXPRESSION = Pattern.compile("^\\s*\\{\\{(.*?)}}\\s*$", Pattern.DOTALL);
    private static final Pattern UNKNOWN_TOKEN = Pattern.compile("Unknown token found: ([^\\s]+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Jinjava STRICT = newJinjava(true);
    /** For syntax checks before anything runs: undefined names are fine there. */
    private static final Jinjava LENIENT = newJinjava(false);

    private final Path baseDir;

    public Templater(Path baseDir) {
        this.baseDir = baseDir;
    }

    private static Jinjava newJinjava(boolean failOnUndefined) {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withFailOnUnknownTokens(failOnUndefined)
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .build();
        Jinjava j = new Jinjava(config);
        // The lenient engine only checks syntax: its lookup reads nothing (no env, no files).
        String lookupMethod = failOnUndefined ? "lookup" : "noLookup";
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "lookup", Lookups.class, lookupMethod,
                String.class, Object[].class));
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "query", Lookups.class, lookupMethod,
                String.class, Object[].class));
        j.getGlobalContext().registerFilter(new NamedFilter("mandatory", (var, args) -> {
            if (var == null) {
                throw new Lookups.LookupFailure(args.length > 0 ? args[0] : "a mandatory variable is not defined");
            }
            return var;
        }));
        j.getGlobalContext().registerFilter(new NamedFilter("to_json", (var, args) -> {
            try {
                return JSON.writeValueAsString(toPlain(var));
            } catch (Exception e) {
                throw new Lookups.LookupFailure("to_json: " + e.getMessage());
            }
        }));
        j.getGlobalContext().registerFilter(new NamedFilter("from_json", (var, args) -> {
            try {
                return JSON.readValue(String.valueOf(var), Object.class);
            } catch (Exception e) {
                throw new Lookups.LookupFailure("from_json: not valid JSON: " + e.getMessage());
            }
        }));
        j.getGlobalContext().registerFilter(new ExtractFilter());
        IpFilters.all().forEach(j.getGlobalContext()::registerFilter);
        IpFilters.tests().forEach(j.getGlobalContext()::registerExpTest);
        return j;
    }

    /** Ansible's {@code extract}: {@code 'k8snode1' | extract(hostvars, 'ansible_host')}, mostly used with map(). */
    private static final class ExtractFilter implements Filter {
        @Override
        public String getName() {
            return "extract";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            throw new Lookups.LookupFailure("extract needs a container: extract(hostvars) or extract(hostvars, 'key')");
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (args.length == 0) {
                return filter(var, interpreter);
            }
            Object value = index(args[0], var);
            for (int i = 1; i < args.length; i++) {
                value = index(value, args[i]);
            }
            return value;
        }

        private static Object index(Object container, Object key) {
            if (container instanceof Map<?, ?> m) {
                return m.get(String.valueOf(key));
            }
            if (container instanceof List<?> l && key instanceof Number n) {
                return n.intValue() < l.size() ? l.get(n.intValue()) : null;
            }
            return null;
        }
    }

    /** A filter written as a lambda; the name is the one users write after {@code |}. */
    private record NamedFilter(String name, java.util.function.BiFunction<Object, String[], Object> body) implements Filter {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return body.apply(var, args);
        }
    }

    public static boolean isTemplated(String s) {
        return s != null && (s.contains("{{") || s.contains("{%"));
    }

    /** Renders every string inside {@code value} (maps, lists, strings); other values are returned as they are. */
    public Object render(Object value, Vars vars) throws TemplateException {
        if (value instanceof String s) {
            return renderString(s, vars);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                out.put(isTemplated(key) ? String.valueOf(renderString(key, vars)) : key, render(e.getValue(), vars));
            }
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                out.add(render(o, vars));
            }
            return out;
        }
        return value;
    }

    /** A string with templates; a lone {@code {{ expression }}} keeps the expression's native type. */
    public Object renderString(String template, Vars vars) throws TemplateException {
        if (!isTemplated(template)) {
            return template;
        }
        Matcher m = SINGLE_EXPRESSION.matcher(template);
        if (m.matches() && !m.group(1).contains("{{") && !m.group(1).contains("}}")) {
            return evaluate(m.group(1).strip(), vars);
        }
        JinjavaInterpreter interpreter = interpreter(vars);
        String[] out = new String[1];
        run(interpreter, () -> out[0] = interpreter.render(template));
        return literal(out[0]);
    }

    /**
     * Like Ansible, a template that renders to a list or mapping literal ({@code [..]} or {@code {..}})
     * becomes that list or mapping, so a {@code {% for %}} loop can build structured arguments.
     */
    private static Object literal(String rendered) {
        String t = rendered.strip();
        boolean list = t.startsWith("[") && t.endsWith("]");
        boolean map = t.startsWith("{") && t.endsWith("}");
        if (!list && !map) {
            return rendered;
        }
        try {
            Object parsed = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(
                    new org.yaml.snakeyaml.LoaderOptions())).load(t);
            return parsed instanceof List<?> || parsed instanceof Map<?, ?> ? toPlain(parsed) : rendered;
        } catch (RuntimeException e) {
            return rendered;
        }
    }

    /** Evaluates a bare Jinja expression ({@code when:}, {@code until:}, {@code that:}) to a value. */
    public Object evaluate(String expression, Vars vars) throws TemplateException {
        JinjavaInterpreter interpreter = interpreter(vars);
        Object[] out = new Object[1];
        run(interpreter, () -> out[0] = interpreter.resolveELExpression(expression, 1));
        return toPlain(out[0]);
    }

    /** Python truthiness of a bare expression. A template in a condition is allowed (Ansible warns, we accept). */
    public boolean isTrue(Object condition, Vars vars) throws TemplateException {
        Object v;
        if (condition instanceof String s) {
            Matcher m = SINGLE_EXPRESSION.matcher(s);
            v = evaluate(m.matches() ? m.group(1).strip() : s, vars);
        } else {
            v = condition;
        }
        return truthy(v);
    }

    public static boolean truthy(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (v instanceof String s) {
            return !s.isEmpty() && !"false".equalsIgnoreCase(s);
        }
        if (v instanceof java.util.Collection<?> c) {
            return !c.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Syntax errors of a template (undefined names are not errors here); empty when it parses. */
    public static List<String> syntaxErrors(String template) {
        List<String> errors = new ArrayList<>();
        if (!isTemplated(template)) {
            return errors;
        }
        JinjavaInterpreter interpreter = new JinjavaInterpreter(LENIENT, new Context(LENIENT.getGlobalContext()),
                LENIENT.getGlobalConfig());
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            interpreter.render(template);
        } catch (RuntimeException e) {
            // Evaluation failures with undefined inputs are not syntax errors.
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        for (TemplateError e : interpreter.getErrors()) {
            if (e.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR
                    || e.getReason() == TemplateError.ErrorReason.UNKNOWN && e.getMessage().contains("Missing end tag")) {
                errors.add(cleanMessage(e.getMessage()));
            }
        }
        return errors;
    }

    private JinjavaInterpreter interpreter(Vars vars) {
        Context context = new Context(STRICT.getGlobalContext()) {
            @Override
            public Object get(Object key) {
                Object local = super.get(key);
                if (local != null || key == null) {
                    return local;
                }
                Object v = vars.get(String.valueOf(key));
                return v == Vars.UNDEFINED ? null : v;
            }
        };
        return new JinjavaInterpreter(STRICT, new Context(context), STRICT.getGlobalConfig());
    }

    private void run(JinjavaInterpreter interpreter, Runnable body) throws TemplateException {
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            Lookups.withBaseDir(baseDir, body);
        } catch (Lookups.LookupFailure e) {
            throw new TemplateException(e.getMessage());
        } catch (UnknownTokenException e) {
            throw new TemplateException(undefined(e.getMessage()));
        } catch (FatalTemplateErrorsException e) {
            throw new TemplateException(firstError(e.getErrors()));
        } catch (InterpretException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Lookups.LookupFailure lf) {
                throw new TemplateException(lf.getMessage());
            }
            throw new TemplateException(cleanMessage(e.getMessage()));
        } catch (TemplateVarException e) {
            throw new TemplateException(e.getMessage());
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        List<TemplateError> fatal = interpreter.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty()) {
            throw new TemplateException(firstError(fatal));
        }
    }

    private static String firstError(Iterable<TemplateError> errors) {
        for (TemplateError e : errors) {
            Exception ex = e.getException();
            Throwable t = ex;
            while (t != null) {
                if (t instanceof Lookups.LookupFailure || t instanceof TemplateVarException) {
                    return t.getMessage();
                }
                t = t.getCause();
            }
            return cleanMessage(e.getMessage());
        }
        return "template error";
    }

    private static String undefined(String message) {
        Matcher m = UNKNOWN_TOKEN.matcher(message == null ? "" : message);
        if (m.find()) {
            return "'" + m.group(1) + "' is undefined (define it in the inventory, the play's vars, or with -e; "
                    + "or use | default(...))";
        }
        return cleanMessage(message);
    }

    private static String cleanMessage(String message) {
        if (message == null) {
            return "template error";
        }
        Matcher m = UNKNOWN_TOKEN.matcher(message);
        if (m.find()) {
            return undefined(message);
        }
        String s = message.replaceFirst("^[A-Za-z.]*Exception: ", "").replaceFirst(", expected <IDENTIFIER>.*$", "");
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Jinjava collections and numbers as the plain Java values the rest of edge works with. */
    public static Object toPlain(Object v) {
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, val) -> out.put(String.valueOf(k), toPlain(val)));
            return out;
        }
        if (v instanceof Iterable<?> it && !(v instanceof Path)) {
            List<Object> out = new ArrayList<>();
            it.forEach(o -> out.add(toPlain(o)));
            return out;
        }
        if (v instanceof Object[] arr) {
            List<Object> out = new ArrayList<>();
            for (Object o : arr) {
                out.add(toPlain(o));
            }
            return out;
        }
        if (v instanceof com.hubspot.jinjava.objects.SafeString s) {
            return s.toString();
        }
        return v;
    }

    /** Thrown from inside variable resolution (a variable's own template failed); carries a ready message. */
    public static final class TemplateVarException extends RuntimeException {
        public TemplateVarException(String message) {
            super(message, null, false, false);
        }
    }
}
