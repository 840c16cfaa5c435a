package edge.yaml;

import edge.core.InputException;
import edge.core.Location;
import edge.core.Problem;
import edge.core.Problems;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Loads YAML the way an Ansible user expects (YAML 1.1 scalars: {@code yes} is true), but strictly:
 * duplicate keys, tabs, binary content, oversized files and non-string keys are errors with
 * file:line:column, and every value keeps its source location (see {@link SourceMap}).
 */
public final class YamlLoader {
    /** Larger inventories or playbooks than this are almost certainly a mistake (a wrong file). */
    public static final int MAX_BYTES = 4 * 1024 * 1024;
    /**
     * How many values aliases may add by repeating anchored nodes. snakeyaml's own alias limit counts
     * alias events, not what they expand to, so nine levels of ten aliases ("billion laughs") pass it
     * and would expand to 10^9 values when the node graph is turned into Java values.
     */
    static final int MAX_ALIAS_EXPANSION = 100_000;

    private YamlLoader() {
    }

    /** Loads a file that must hold exactly one document (an empty file is an error). */
    public static YamlDocument loadFile(Path path) throws InputException {
        List<YamlDocument> docs = loadAll(path);
        String file = path.toString();
        if (docs.isEmpty() || docs.get(0).root() == null) {
            throw new InputException(Problem.inFile(file, "the file is empty; expected a YAML document"));
        }
        if (docs.size() > 1) {
            Location second = docs.get(1).locate("");
            throw new InputException(Problem.at(second, "", "a second YAML document ('---') is not allowed in this file"));
        }
        return docs.get(0);
    }

    /** Loads every document of a file (Kubernetes manifests have many). */
    public static List<YamlDocument> loadAll(Path path) throws InputException {
        String file = path.toString();
        byte[] bytes;
        try {
            if (Files.isDirectory(path)) {
                throw new InputException(Problem.inFile(file, "is a directory, expected a YAML file"));
            }
            long size = Files.size(path);
            if (size > MAX_BYTES) {
                throw new InputException(Problem.inFile(file, "file is " + size + " bytes; the limit is "
                        + MAX_BYTES + " bytes (is this the right file?)"));
            }
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new InputException(Problem.inFile(file, "file not found"));
        } catch (IOException e) {
            throw new InputException(Problem.inFile(file, "cannot read: " + e.getMessage()));
        }
        return loadAll(file, bytes);
    }

    public static List<YamlDocument> loadAll(String file, byte[] bytes) throws InputException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InputException(Problem.inFile(file, "not UTF-8 text (binary file?); expected YAML"));
        }
        if (text.indexOf('\0') >= 0) {
            throw new InputException(Problem.inFile(file, "contains NUL bytes (binary file?); expected YAML"));
        }
        return loadAll(file, text);
    }

    public static List<YamlDocument> loadAll(String file, String text) throws InputException {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_BYTES);
        options.setMaxAliasesForCollections(100);
        options.setNestingDepthLimit(100);
        Yaml yaml = new Yaml(options);
        List<YamlDocument> docs = new ArrayList<>();
        try {
            for (Node node : yaml.composeAll(new StringReader(text))) {
                SourceMap sources = new SourceMap(file);
                Problems problems = new Problems();
                Object root = new Converter(file, sources, problems).convert(node, "");
                problems.throwIfAny();
                docs.add(new YamlDocument(file, root, sources));
            }
        } catch (AliasExpansionException e) {
            throw new InputException(Problem.at(e.at, "", "aliases here expand to more than " + MAX_ALIAS_EXPANSION
                    + " values (nested anchors repeated inside each other); write the values out or use fewer levels of aliases"));
        } catch (MarkedYAMLException e) {
            throw new InputException(syntaxProblem(file, e));
        } catch (YAMLException e) {
            throw new InputException(Problem.inFile(file, "YAML error: " + firstLine(e.getMessage())));
        }
        return docs;
    }

    private static Problem syntaxProblem(String file, MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        String problem = e.getProblem() != null ? e.getProblem() : firstLine(e.getMessage());
        String hint = "";
        if (problem.contains("'\\t'") || problem.contains("\\t(TAB)")) {
            hint = " (YAML does not allow tabs for indentation: use spaces)";
        } else if (problem.contains("mapping values are not allowed")) {
            hint = " (a value containing ': ' must be quoted)";
        }
        String message = "YAML syntax error: " + problem + (e.getContext() != null ? " (" + e.getContext() + ")" : "") + hint;
        if (mark == null) {
            return Problem.inFile(file, message);
        }
        return new Problem(file, mark.getLine() + 1, mark.getColumn() + 1, "", message);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static Location at(String file, Node node) {
        Mark m = node.getStartMark();
        return m == null ? Location.unknown(file) : new Location(file, m.getLine() + 1, m.getColumn() + 1);
    }

    /** Turns one composed document into Java values, recording where each value was written. */
    private static final class Converter {
        private final String file;
        private final SourceMap sources;
        private final Problems problems;
        /** Nodes converted so far: an alias is the same node object met again. */
        private final java.util.Set<Node> expanded = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        private int aliasValues;

        Converter(String file, SourceMap sources, Problems problems) {
            this.file = file;
            this.sources = sources;
            this.problems = problems;
        }

        Object convert(Node node, String pointer) {
            sources.putValue(pointer, at(file, node));
            if (!expanded.add(node) && ++aliasValues > MAX_ALIAS_EXPANSION) {
                throw new AliasExpansionException(at(file, node));
            }
            if (node instanceof ScalarNode scalar) {
                return scalar(scalar);
            }
            if (node instanceof SequenceNode seq) {
                List<Object> list = new ArrayList<>(seq.getValue().size());
                int i = 0;
                for (Node item : seq.getValue()) {
                    list.add(convert(item, SourceMap.child(pointer, i++)));
                }
                return list;
            }
            MappingNode map = (MappingNode) node;
            Map<String, Object> result = new LinkedHashMap<>();
            Map<String, Location> seen = new LinkedHashMap<>();
            for (NodeTuple tuple : map.getValue()) {
                Node keyNode = tuple.getKeyNode();
                if (keyNode instanceof ScalarNode ks && "<<".equals(ks.getValue()) && ks.getTag().equals(Tag.MERGE)) {
                    mergeInto(result, convert(tuple.getValueNode(), pointer));
                    continue;
                }
                if (!(keyNode instanceof ScalarNode keyScalar)) {
                    problems.add(at(file, keyNode), "", "a mapping key must be a plain string, not a list or mapping");
                    continue;
                }
                Object keyValue = scalar(keyScalar);
                String key = keyValue == null ? "null" : String.valueOf(keyValue);
                Location keyAt = at(file, keyNode);
                Location first = seen.putIfAbsent(key, keyAt);
                if (first != null) {
                    problems.add(keyAt, key, "duplicate key (first defined at line " + first.line() + "); remove one of them");
                    continue;
                }
                String childPointer = SourceMap.child(pointer, key);
                sources.putKey(childPointer, keyAt);
                result.put(key, convert(tuple.getValueNode(), childPointer));
            }
            return result;
        }
    }

    private static final class AliasExpansionException extends RuntimeException {
        private final Location at;

        AliasExpansionException(Location at) {
            super(null, null, false, false);
            this.at = at;
        }
    }

    @SuppressWarnings("unchecked")
    private static void mergeInto(Map<String, Object> target, Object merged) {
        if (merged instanceof Map<?, ?> m) {
            ((Map<String, Object>) m).forEach(target::putIfAbsent);
        } else if (merged instanceof List<?> list) {
            for (Object o : list) {
                mergeInto(target, o);
            }
        }
    }

    /** YAML 1.1 scalar semantics, as Ansible (PyYAML) reads them. */
    static Object scalar(ScalarNode node) {
        String v = node.getValue();
        Tag tag = node.getTag();
        if (Tag.NULL.equals(tag)) {
            return null;
        }
        if (Tag.BOOL.equals(tag)) {
            return switch (v.toLowerCase()) {
                case "yes", "true", "on", "y" -> Boolean.TRUE;
                default -> Boolean.FALSE;
            };
        }
        if (Tag.INT.equals(tag)) {
            return parseInt(v);
        }
        if (Tag.FLOAT.equals(tag)) {
            String f = v.replace("_", "").toLowerCase();
            if (f.contains(":")) {
                return v;
            }
            return switch (f) {
                case ".inf", "+.inf" -> Double.POSITIVE_INFINITY;
                case "-.inf" -> Double.NEGATIVE_INFINITY;
                case ".nan" -> Double.NaN;
                default -> Double.valueOf(f);
            };
        }
        return v;
    }

    private static Object parseInt(String raw) {
        String v = raw.replace("_", "");
        if (v.contains(":")) {
            return raw; // sexagesimal (22:10) stays a string: nobody means 1330
        }
        boolean negative = v.startsWith("-");
        String digits = v.startsWith("-") || v.startsWith("+") ? v.substring(1) : v;
        java.math.BigInteger value;
        if (digits.startsWith("0x")) {
            value = new java.math.BigInteger(digits.substring(2), 16);
        } else if (digits.startsWith("0b")) {
            value = new java.math.BigInteger(digits.substring(2), 2);
        } else if (digits.startsWith("0o")) {
            value = new java.math.BigInteger(digits.substring(2), 8);
        } else if (digits.length() > 1 && digits.startsWith("0")) {
            value = new java.math.BigInteger(digits.substring(1), 8);
        } else {
            value = new java.math.BigInteger(digits);
        }
        if (negative) {
            value = value.negate();
        }
        // Long, the type Jinja arithmetic and literals produce, so that [1, 2] from YAML equals [1, 2] in a template.
        if (value.bitLength() < 64) {
            return value.longValue();
        }
        return value;
    }
}
