package edge.cli;

import edge.core.InputException;
import edge.core.Problem;
import edge.yaml.YamlDocument;
import edge.yaml.YamlLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code -e}: {@code key=value} pairs, {@code @file.yml} (YAML or JSON), or an inline YAML/JSON mapping. */
final class ExtraVars {
    private ExtraVars() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(List<String> values) throws InputException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String v : values) {
            if (v.startsWith("@")) {
                YamlDocument doc = YamlLoader.loadFile(Path.of(v.substring(1)));
                if (!(doc.root() instanceof Map)) {
                    throw new InputException(Problem.at(doc.locate(""), "", "extra vars file must be a mapping of names to values"));
                }
                out.putAll((Map<String, Object>) doc.root());
            } else if (v.strip().startsWith("{")) {
                List<YamlDocument> docs = YamlLoader.loadAll("-e", v);
                if (docs.isEmpty() || !(docs.get(0).root() instanceof Map)) {
                    throw new InputException(Problem.inFile("-e", "expected a mapping like {\"a\": 1}"));
                }
                out.putAll((Map<String, Object>) docs.get(0).root());
            } else {
                int eq = v.indexOf('=');
                if (eq <= 0) {
                    throw new InputException(Problem.inFile("-e", "'" + v + "' is not key=value, @FILE or a {...} mapping"));
                }
                String key = v.substring(0, eq).strip();
                if (!key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new InputException(Problem.inFile("-e", "'" + key + "' is not a valid variable name"));
                }
                out.put(key, v.substring(eq + 1));
            }
        }
        return out;
    }
}
